import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DisposedError } from './errors/disposed-error.js';
import { HttpError } from './errors/http-error.js';
import { NetworkError } from './errors/network-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { TokenEvent } from './events.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

const ok = { access_token: 'fresh', expires_in: 3600 };
const noJitter = { retries: 3, minTimeout: 1_000, factor: 2, randomize: false };

let managers: TokenManager[] = [];
function manager(options: ConstructorParameters<typeof TokenManager>[0]): TokenManager {
  const created = new TokenManager(options);
  managers.push(created);
  return created;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const created of managers) created.dispose();
  managers = [];
  vi.useRealTimers();
});

/** Settles `promise` while fake time runs; returns how long (fake ms) that took. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; elapsed: number }> {
  const start = Date.now();
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return { ...(await outcome), elapsed: Date.now() - start };
}

describe('retries', () => {
  it.each([
    ['a network error', () => new NetworkError('POST /token')],
    ['a timeout', () => new TimeoutError(10_000, 'POST /token')],
    ['HTTP 408', () => new HttpError(408, 'POST /token')],
    ['HTTP 429', () => new RateLimitError('POST /token')],
    ['HTTP 500', () => new HttpError(500, 'POST /token')],
    ['HTTP 503', () => new HttpError(503, 'POST /token')],
    ['temporarily_unavailable', () => new OAuthError({ error: 'temporarily_unavailable', status: 503 }, 'x')],
  ])('retries %s with exponential backoff and then succeeds', async (_, failure) => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(failure())
      .mockRejectedValueOnce(failure())
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const { value, elapsed } = await settle(tokens.getAccessToken());
    expect(value).toBe('fresh');
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    expect(fetchTokens.mock.calls.map((call) => call[0].attempt)).toEqual([1, 2, 3]);
    expect(elapsed).toBe(1_000 + 2_000);
  });

  it.each([
    'invalid_grant',
    'invalid_client',
    'invalid_scope',
    'unauthorized_client',
    'unsupported_grant_type',
  ])('never retries %s', async (code) => {
    const error = new OAuthError({ error: code, status: code === 'invalid_client' ? 401 : 400 }, 'x');
    const fetchTokens = vi.fn<FetchTokens>().mockRejectedValue(error);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const outcome = await settle(tokens.getAccessToken());
    expect(outcome.error).toBe(error);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('never retries an HTTP 400 without an OAuth body, nor an unknown error', async () => {
    for (const error of [new HttpError(400, 'x'), new Error('bug in fetchTokens')]) {
      const fetchTokens = vi.fn<FetchTokens>().mockRejectedValue(error);
      const tokens = manager({ fetchTokens, retry: noJitter });
      expect((await settle(tokens.getAccessToken())).error).toBe(error);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    }
  });

  it('gives up after the configured retries with the last error', async () => {
    const errors = [1, 2, 3, 4].map((n) => new HttpError(500 + n, 'x'));
    const fetchTokens = vi.fn<FetchTokens>();
    for (const error of errors) fetchTokens.mockRejectedValueOnce(error);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const outcome = await settle(tokens.getAccessToken());
    expect(outcome.error).toBe(errors[3]);
    expect(fetchTokens).toHaveBeenCalledTimes(4);
  });

  it('adds jitter so a fleet does not retry in step', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(503, 'x'))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: { ...noJitter, randomize: true } });
    const { elapsed } = await settle(tokens.getAccessToken());
    expect(elapsed).toBe(1_500);
    vi.mocked(Math.random).mockRestore();
  });

  it('waits at least Retry-After given in seconds', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new RateLimitError('x', 7_000))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const call = tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(6_999);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    const { value } = await settle(call);
    expect(value).toBe('fresh');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('waits the Retry-After of a 429 from another copy of @tessera/core and reports it', async () => {
    // What a RateLimitError of a second copy of the package (a custom fetchTokens on its own core) is
    // here: same code and fields, another class.
    class OtherCopyRateLimitError extends Error {
      readonly code = 'RATE_LIMITED';
      readonly status = 429;
      readonly retryAfter = 7_000;
    }
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new OtherCopyRateLimitError('rate limited'))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const delays: number[] = [];
    tokens.subscribe((event) => {
      if (event.type === 'retrying') delays.push(event.delay);
    });
    const call = tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(6_999);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    const { value, elapsed } = await settle(call);
    expect(value).toBe('fresh');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(elapsed).toBe(1);
    expect(delays).toEqual([7_000]);
  });

  it('caps a huge Retry-After at maxRetryAfter', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(503, 'x', 3_600_000))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: { ...noJitter, maxRetryAfter: 5_000 } });
    const { elapsed } = await settle(tokens.getAccessToken());
    expect(elapsed).toBe(5_000);
  });

  it('waits a backoff or Retry-After above 2^31−1 ms for 2^31−1 ms, not 1 ms (timer overflow)', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new NetworkError('x'))
      .mockRejectedValueOnce(new HttpError(503, 'x', 4_000_000_000))
      .mockResolvedValueOnce(ok);
    const huge = { retries: 2, factor: 1, minTimeout: 3_000_000_000, maxTimeout: 3_000_000_000 };
    const tokens = manager({
      fetchTokens,
      retry: { ...huge, randomize: false, maxRetryAfter: 5_000_000_000 },
    });
    const outcome = tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    const { value, elapsed } = await settle(outcome);
    expect(value).toBe('fresh');
    expect(elapsed).toBe(2 * (2 ** 31 - 1) - 1_000);
  });

  it('waits the backoff when it is longer than Retry-After', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(503, 'x', 200))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const { elapsed } = await settle(tokens.getAccessToken());
    expect(elapsed).toBe(1_000);
  });

  it('reports each retry as a retrying event', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(502, 'x'))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    await settle(tokens.getAccessToken());
    expect(events.map((e) => e.type)).toEqual(['loaded', 'retrying', 'refreshed']);
    expect(events[1]).toMatchObject({ type: 'retrying', attempt: 1, delay: 1_000 });
  });

  it('reports in the retrying event the delay it really waits', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(502, 'x'))
      .mockRejectedValueOnce(new RateLimitError('x', 7_000))
      .mockRejectedValueOnce(new HttpError(502, 'x'))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const delays: number[] = [];
    tokens.subscribe((event) => {
      if (event.type === 'retrying') delays.push(event.delay);
    });
    const { elapsed } = await settle(tokens.getAccessToken());
    expect(delays).toEqual([1_000, 7_000, 4_000]);
    expect(elapsed).toBe(1_000 + 7_000 + 4_000);
  });

  it('keeps one flight through retries: 300 callers, 3 attempts, all get the token', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new NetworkError('x'))
      .mockRejectedValueOnce(new NetworkError('x'))
      .mockResolvedValueOnce(ok);
    const tokens = manager({ fetchTokens, retry: noJitter });
    const all = Promise.all(Array.from({ length: 300 }, () => tokens.getAccessToken()));
    const { value } = await settle(all);
    expect(new Set(value)).toEqual(new Set(['fresh']));
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });
});

describe('Retry-After as an HTTP-date', () => {
  it.each([
    ['behind', Date.UTC(2001, 0, 1)],
    ['ahead of', Date.UTC(2090, 0, 1)],
  ])(
    'is judged by the injected clock (%s Date.now()): the wait is what the server asked for',
    async (_, now) => {
      vi.useRealTimers();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // Date.now() stays the real one
      let sent = 0;
      const fetch = vi.fn(async () =>
        ++sent === 1
          ? new Response('down', {
              status: 503,
              headers: { 'Retry-After': new Date(now + 30_000).toUTCString() },
            })
          : Response.json({ access_token: 'fresh', token_type: 'Bearer', expires_in: 3600 }),
      );
      const fetchTokens = clientCredentialsGrant({
        tokenUrl: 'https://as.example.com/token',
        clientId: 'client',
        clientSecret: 'secret',
        fetch,
      });
      const tokens = manager({
        fetchTokens,
        clock: () => now,
        retry: { ...noJitter, maxRetryAfter: 120_000 },
      });
      const delays: number[] = [];
      tokens.subscribe((event) => {
        if (event.type === 'retrying') delays.push(event.delay);
      });
      const call = tokens.getAccessToken();
      await vi.advanceTimersByTimeAsync(29_999);
      expect(fetch).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await call).toBe('fresh');
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(delays).toEqual([30_000]);
    },
  );
});

describe('timeout', () => {
  it('aborts a hung token request after the timeout and retries it', async () => {
    const signals: AbortSignal[] = [];
    const fetchTokens = vi.fn<FetchTokens>(({ signal }) => {
      signals.push(signal);
      return signals.length === 1 ? new Promise(() => {}) : Promise.resolve(ok);
    });
    const tokens = manager({ fetchTokens, timeout: 10_000, retry: noJitter });
    const { value, elapsed } = await settle(tokens.getAccessToken());
    expect(value).toBe('fresh');
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(TimeoutError);
    expect(elapsed).toBe(10_000 + 1_000);
  });

  it('rejects with TimeoutError when every attempt hangs', async () => {
    const fetchTokens = vi.fn<FetchTokens>(() => new Promise(() => {}));
    const tokens = manager({ fetchTokens, timeout: 2_000, retry: false });
    const { error, elapsed } = await settle(tokens.getAccessToken());
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe('Token request timed out after 2000 ms — fetchTokens');
    expect(elapsed).toBe(2_000);
  });

  it('treats a timeout above 2^31−1 ms as 2^31−1 ms instead of timing out at once (timer overflow)', async () => {
    const fetchTokens = vi.fn<FetchTokens>(() => new Promise(() => {}));
    const tokens = manager({ fetchTokens, timeout: 3_000_000_000, retry: false });
    const { error, elapsed } = await settle(tokens.getAccessToken());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(elapsed).toBe(2 ** 31 - 1);
  });

  it('starts no backoff timer when a "retrying" listener disposes the manager', async () => {
    const fetchTokens = vi.fn<FetchTokens>().mockRejectedValue(new HttpError(503, 'POST /token', 30_000));
    const tokens = manager({ fetchTokens, retry: noJitter });
    tokens.subscribe((event) => {
      if (event.type === 'retrying') tokens.dispose();
    });
    const outcome = tokens.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(await outcome).toBeInstanceOf(DisposedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('leaves no timer behind after a successful request', async () => {
    const tokens = manager({ fetchTokens: async () => ok });
    await tokens.getAccessToken();
    expect(vi.getTimerCount()).toBe(0);
  });
});
