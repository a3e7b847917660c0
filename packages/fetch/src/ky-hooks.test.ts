import type { TokenManager } from '@tessera/core';
import ky, { isHTTPError } from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** ky over an in-memory API that accepts only `Bearer at-1`; records what each attempt carried. */
async function setup(extra: Parameters<typeof ky.create>[0] = {}) {
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const seen: Array<string | null> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const authorization = new Request(input, init).headers.get('authorization');
    seen.push(authorization);
    return new Response(null, { status: authorization === 'Bearer at-1' ? 200 : 401 });
  };
  const client = ky.create({ prefixUrl: API, fetch, hooks: kyHooks(ky, tokens, { origins: API }), ...extra });
  return { client, seen, fetchTokens, tokens };
}

const status = (promise: Promise<Response>) =>
  promise.then(
    (response) => response.status,
    (error: unknown) => (isHTTPError(error) ? error.response.status : Promise.reject(error)),
  );

describe('kyHooks', () => {
  it('never overwrites a caller-set Authorization and never replays its 401', async () => {
    const { client, seen, fetchTokens } = await setup();
    expect(await status(client.get('orders', { headers: { Authorization: 'Bearer mine' } }))).toBe(401);
    expect(seen).toEqual(['Bearer mine']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it("keeps an empty Authorization as the caller's, as withTokens and attachTokenManager do: sent as it is, never replayed", async () => {
    const { client, seen, fetchTokens } = await setup();
    expect(await status(client.get('orders', { headers: { Authorization: '' } }))).toBe(401);
    expect(seen).toEqual(['']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('returns the 401 as ky’s HTTPError when retries are off (retry: 0), instead of a forced-retry error', async () => {
    const { client, seen } = await setup({ retry: 0 });
    expect(await status(client.get('orders'))).toBe(401);
    expect(seen).toEqual(['Bearer at-0']);
  });

  it('replays once even when ky itself would retry a 5xx first', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const seen: Array<string | null> = [];
    let calls = 0;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      const authorization = new Request(input, init).headers.get('authorization');
      seen.push(authorization);
      if (calls === 1) return new Response(null, { status: 503 });
      return new Response(null, { status: authorization === 'Bearer at-1' ? 200 : 401 });
    };
    const client = ky.create({
      prefixUrl: API,
      fetch,
      hooks: kyHooks(ky, tokens, { origins: API }),
      retry: { limit: 3, delay: () => 0 },
    });
    expect(await status(client.get('orders'))).toBe(200);
    expect(seen).toEqual(['Bearer at-0', 'Bearer at-0', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('needs the ky that has ky.retry(), and rejects unknown options', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    expect(() => kyHooks({} as never, tokens)).toThrow(/ky ≥ 1.14/);
    expect(() => kyHooks(ky, tokens, { origin: API } as never)).toThrow(/did you mean "origins"/);
  });

  it('still replaces its own token on a retry after 100 token rotations during the call', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const seen: Array<string | null> = [];
    let current = 'at-0';
    let first = true;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const authorization = request.headers.get('authorization');
      if (request.url.endsWith('/ping')) return new Response(null, { status: 200 });
      seen.push(authorization);
      if (first) {
        first = false;
        return new Response(null, { status: 503 });
      }
      return new Response(null, { status: authorization === `Bearer ${current}` ? 200 : 401 });
    };
    const client = ky.create({ prefixUrl: API, fetch, hooks: kyHooks(ky, tokens, { origins: API }) });
    /** Before the retry: 100 other calls through the same hooks, each with a new token. */
    const rotate = async () => {
      for (let i = 1; i <= 100; i += 1) {
        current = `rotated-${i}`;
        await tokens.setTokens({ access_token: current, expires_in: 300 });
        await client.get('ping');
      }
    };
    const retrying = client.extend({ retry: { limit: 1, delay: () => 0 }, hooks: { beforeRetry: [rotate] } });
    expect(await status(retrying.get('orders'))).toBe(200);
    expect(seen).toEqual(['Bearer at-0', 'Bearer rotated-100']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  describe('a 401 from an origin the policy does not allow', () => {
    /** ky over an in-memory fetch that answers 401 (`invalid_token`) everywhere; records URL and token. */
    async function everywhere401(hooks: (given: ReturnType<typeof kyHooks>) => object = (given) => given) {
      const { tokens, fetchTokens } = await countingTokens();
      managers.push(tokens);
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const seen: string[] = [];
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        seen.push(`${new URL(request.url).origin} ${request.headers.get('authorization')}`);
        return new Response(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      };
      const client = ky.create({ fetch, hooks: hooks(kyHooks(ky, tokens, { origins: API })) });
      return { client, seen, fetchTokens, invalidate };
    }

    it('invalidates nothing and refreshes nothing, on any call (not even once per rejectionCooldown)', async () => {
      const { client, seen, fetchTokens, invalidate } = await everywhere401();
      for (let call = 0; call < 3; call++) {
        expect(await status(client.get('https://evil.test/orders'))).toBe(401);
        expect(
          await status(client.get('https://evil.test/orders', { headers: { Authorization: 'Bearer mine' } })),
        ).toBe(401);
      }
      expect(seen).toEqual(Array(3).fill(['https://evil.test null', 'https://evil.test Bearer mine']).flat());
      expect(invalidate).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
    });

    it('where your later beforeRequest hook moved our token there (the documented limit): the 401 refreshes nothing, and no second token follows', async () => {
      const moveTo = (url: string) => (request: Request) => new Request(url, request);
      const { client, seen, fetchTokens, invalidate } = await everywhere401((hooks) => ({
        ...hooks,
        beforeRequest: [...hooks.beforeRequest, moveTo('https://evil.test/x')],
      }));
      for (let call = 0; call < 3; call++) expect(await status(client.get(`${API}/orders`))).toBe(401);
      expect(seen).toEqual(Array(3).fill('https://evil.test Bearer at-0'));
      expect(invalidate).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
    });
  });

  describe('a beforeRequest hook of yours that returns a Request for another URL', () => {
    /** What the hook does: the same request, for `url` (e.g. a mirror, a failover host). */
    const moveTo = (url: string) => (request: Request) => new Request(url, request);

    async function recorded() {
      const { tokens } = await countingTokens();
      managers.push(tokens);
      const seen: string[] = [];
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        seen.push(`${request.url} ${request.headers.get('authorization')}`);
        return new Response(null, { status: 200 });
      };
      return { tokens, seen, fetch };
    }

    it('run before kyHooks: ky runs none after it, so that request carries no token anywhere', async () => {
      const { tokens, seen, fetch } = await recorded();
      const hooks = kyHooks(ky, tokens, { origins: API });
      const client = ky.create({
        prefixUrl: API,
        fetch,
        hooks: { ...hooks, beforeRequest: [moveTo('https://evil.test/x'), ...hooks.beforeRequest] },
      });
      await client.get('orders');
      expect(seen).toEqual(['https://evil.test/x null']);
    });

    it('with fetch: withTokens(fetch, tokens) instead of kyHooks, the URL ky finally sends is judged', async () => {
      const { tokens, seen, fetch } = await recorded();
      const moved = (url: string) =>
        ky.create({
          prefixUrl: API,
          fetch: withTokens(fetch, tokens, { origins: API }),
          hooks: { beforeRequest: [moveTo(url)] },
        });
      await moved('https://evil.test/x').get('orders');
      await moved(`${API}/v2/orders`).get('orders');
      expect(seen).toEqual(['https://evil.test/x null', `${API}/v2/orders Bearer at-0`]);
    });
  });
});

describe('kyHooks: an afterResponse hook of yours that returns another request’s 401 (decision 0903)', () => {
  /** ky over an API that accepts every token, and your hook that answers with another request's 401. */
  async function withYourHook(order: 'before ours' | 'after ours') {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const seen: Array<string | null> = [];
    const hooks = kyHooks(ky, tokens, { origins: API });
    const elsewhere = () => new Response(null, { status: 401 }); // e.g. `return await fetch(fallbackUrl)`
    const api = ky.create({
      prefixUrl: API,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Request(input, init).headers.get('authorization'));
        return new Response('{}');
      },
      hooks: {
        beforeRequest: hooks.beforeRequest,
        afterResponse:
          order === 'after ours' ? [...hooks.afterResponse, elsewhere] : [elsewhere, ...hooks.afterResponse],
      },
    });
    return {
      status: await status(api.get('orders')),
      seen,
      fetchTokens,
      again: () => status(api.get('orders')),
    };
  }

  it('after ours: ours judged ky’s own 200, so no refresh and no retry; you get that 401', async () => {
    const { status, seen, fetchTokens } = await withYourHook('after ours');
    expect(status).toBe(401);
    expect(seen).toEqual(['Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('before ours: taken as ours, so the documented cost is one refresh and one retry per call', async () => {
    const { status, seen, fetchTokens } = await withYourHook('before ours');
    expect(status).toBe(401);
    expect(seen).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('before ours: the calls after it within the manager’s rejectionCooldown cost no refresh and no retry', async () => {
    const { seen, fetchTokens, again } = await withYourHook('before ours');
    expect([await again(), await again()]).toEqual([401, 401]);
    expect(seen).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer at-1', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});

describe('kyHooks: one refresh and one replay per ky call, whatever ky does', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fetch that answers 401 to every attempt but the `hung` ones, which wait for ky's timeout. */
  function answering(header: string, hung: number[]) {
    const seen: Array<string | null> = [];
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push(request.headers.get(header));
      if (!hung.includes(seen.length)) return Promise.resolve(new Response(null, { status: 401 }));
      return new Promise<Response>((_resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
      });
    };
    return { seen, fetch };
  }

  it('refreshes once when your later beforeRequest hook returns a Request and ky retries a timed-out replay', async () => {
    vi.useFakeTimers();
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { seen, fetch } = answering('authorization', [2]);
    const hooks = kyHooks(ky, tokens, { origins: API });
    const client = ky.create({
      prefixUrl: API,
      fetch,
      timeout: 40_000, // longer than the manager's 30 s rejectionCooldown
      retry: { limit: 3, retryOnTimeout: true, delay: () => 0 },
      hooks: { ...hooks, beforeRequest: [...hooks.beforeRequest, (request) => new Request(request)] },
    });
    const result = status(client.get('orders'));
    await vi.runAllTimersAsync();
    expect(await result).toBe(401);
    expect(seen).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('refreshes once when your beforeRetry returns a Request and ky retries a timed-out replay', async () => {
    vi.useFakeTimers();
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { seen, fetch } = answering('authorization', [2]);
    const client = ky.create({
      prefixUrl: API,
      fetch,
      timeout: 40_000,
      retry: { limit: 3, retryOnTimeout: true, delay: () => 0 },
      hooks: kyHooks(ky, tokens, { origins: API }),
    });
    const retrying = client.extend({ hooks: { beforeRetry: [({ request }) => new Request(request)] } });
    const result = status(retrying.get('orders'));
    await vi.runAllTimersAsync();
    expect(await result).toBe(401);
    expect(seen).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('sends one token request and 300 replays for 300 concurrent calls on a revoked token', async () => {
    const { client, seen, fetchTokens } = await setup();
    const statuses = await Promise.all(Array.from({ length: 300 }, () => status(client.get('orders'))));
    expect(statuses).toEqual(Array(300).fill(200));
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(seen.filter((value) => value === 'Bearer at-0')).toHaveLength(300);
    expect(seen.filter((value) => value === 'Bearer at-1')).toHaveLength(300);
  });
});
