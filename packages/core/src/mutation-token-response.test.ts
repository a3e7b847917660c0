import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DisposedError } from './errors/disposed-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import type { TokenEvent } from './events.js';
import type { FetchLike } from './fetch-like.js';
import { createOriginPolicy } from './origin-policy/create-origin-policy.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import { toTokenSet } from './token-set.js';
import { isTransient } from './transient.js';

describe('token set: guards no other test removes', () => {
  it('refuses an empty access_token with missing_access_token, in a response and in a stored set', () => {
    for (const input of [
      { access_token: '', token_type: 'Bearer' },
      { accessToken: '', tokenType: 'Bearer' },
    ]) {
      const error = (() => {
        try {
          toTokenSet(input, 0);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as MalformedResponseError).reason).toBe('missing_access_token');
    }
  });

  it('keeps the id_token of a response and of a stored set', () => {
    expect(toTokenSet({ access_token: 'at', id_token: 'a.b.c' }, 0).idToken).toBe('a.b.c');
    expect(toTokenSet({ accessToken: 'at', tokenType: 'Bearer', idToken: 'a.b.c' }, 0).idToken).toBe('a.b.c');
  });
});

describe('retry triage: the RFC 6749 §5.2 codes are never retried, whatever the status', () => {
  it.each([
    'invalid_request',
    'invalid_client',
    'invalid_grant',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_scope',
    'invalid_target',
    'access_denied',
    'unsupported_token_type',
  ])('does not retry %s sent with HTTP 503', (code) => {
    expect(
      isTransient(new OAuthError({ error: code, status: 503 }, 'POST https://auth.example.test/token')),
    ).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads an HTTP-date in the past as 0 ms, never a negative wait', async () => {
    const fetch = vi.fn<FetchLike>(
      async () =>
        new Response('{}', {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' },
        }),
    );
    const error = await requestToken({
      tokenUrl: 'https://auth.example.test/token',
      grantType: 'client_credentials',
      fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(0);
  });
});

describe('backoff', () => {
  const managers: TokenManager[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const manager of managers.splice(0)) manager.dispose();
    vi.useRealTimers();
  });

  it('never waits longer than maxTimeout between attempts', async () => {
    const failure = new OAuthError({ error: 'temporarily_unavailable', status: 503 }, 'POST /token');
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(failure)
      .mockRejectedValueOnce(failure)
      .mockRejectedValueOnce(failure)
      .mockResolvedValueOnce({ access_token: 'fresh', expires_in: 3600 });
    const manager = new TokenManager({
      fetchTokens,
      retry: { retries: 3, minTimeout: 1_000, factor: 10, maxTimeout: 5_000, randomize: false },
    });
    managers.push(manager);
    const delays: number[] = [];
    manager.subscribe((event: TokenEvent) => {
      if (event.type === 'retrying') delays.push(event.delay);
    });
    const token = manager.getAccessToken();
    await vi.runAllTimersAsync();
    await expect(token).resolves.toBe('fresh');
    expect(fetchTokens).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([1_000, 5_000, 5_000]);
  });
});

describe('origin policy', () => {
  it('refuses a RegExp that ends with an escaped \\$ (a literal dollar): it is not anchored', () => {
    expect(() => createOriginPolicy(/^https:\/\/api\.example\.test\$/, () => undefined)).toThrow(TypeError);
  });
});

describe('abort mapping', () => {
  it('rejects with the Tessera error a signal was aborted with, not an AbortError wrapping it', async () => {
    const controller = new AbortController();
    const reason = new DisposedError();
    const fetch = vi.fn<FetchLike>(
      (_, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const pending = requestToken({
      tokenUrl: 'https://auth.example.test/token',
      grantType: 'client_credentials',
      fetch,
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
