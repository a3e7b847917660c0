import { DisposedError, isOAuthError, OAuthError } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoSecrets, issueToken, SECRET, TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { clientCredentials } from './client-credentials.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

/** How long the token endpoint takes to answer, in ms. */
const LATENCY = 2_000;
const AUDIENCES = Array.from({ length: 50 }, (_, i) => `api-${i}`);
const FAILING = 'api-17';

describe('a long-running service with many audiences and a slow token endpoint', () => {
  it('sends one token request per audience for 200 concurrent callers on 50 audiences; the one refused fails alone, and dispose() leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const seen = tokenEndpoint(server, async (request, n) => {
      await new Promise((resolve) => setTimeout(resolve, LATENCY));
      return request.form.get('audience') === FAILING
        ? HttpResponse.json(
            { error: 'invalid_target', error_description: 'unknown audience' },
            { status: 400 },
          )
        : issueToken(request, n);
    });
    // The default retry policy (a non-transient OAuth error is never retried) and background refresh.
    const credentials = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      refreshInBackground: true,
    });

    const calls = Array.from({ length: 200 }, (_, i) => {
      const audience = AUDIENCES[i % AUDIENCES.length]!;
      return credentials
        .for({ audience })
        .getAccessToken()
        .then(
          (token) => ({ audience, token }),
          (error: unknown) => ({ audience, error }),
        );
    });
    await vi.advanceTimersByTimeAsync(LATENCY - 1);
    expect(seen).toHaveLength(50); // every request sent at once, none answered yet
    await vi.advanceTimersByTimeAsync(1);
    const results = await Promise.all(calls);

    const perAudience = new Map<string, number>();
    for (const { form } of seen)
      perAudience.set(form.get('audience')!, (perAudience.get(form.get('audience')!) ?? 0) + 1);
    expect([...perAudience.keys()].sort()).toEqual([...AUDIENCES].sort());
    expect([...perAudience.values()].every((count) => count === 1)).toBe(true);

    const failed = results.filter((result) => 'error' in result);
    expect(failed.map(({ audience }) => audience)).toEqual([FAILING, FAILING, FAILING, FAILING]);
    for (const { error } of failed as { error: unknown }[]) {
      expect(error).toBeInstanceOf(OAuthError);
      expect(isOAuthError(error)).toBe(true);
      expect((error as OAuthError).error).toBe('invalid_target');
      expectNoSecrets(error, [SECRET]);
    }
    // Each other audience's 4 callers share its one token; no two audiences share one.
    const tokens = new Map<string, Set<string>>();
    for (const result of results) {
      if (!('token' in result)) continue;
      tokens.set(result.audience, (tokens.get(result.audience) ?? new Set()).add(result.token));
    }
    expect(tokens.size).toBe(49);
    expect([...tokens.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set([...tokens.values()].flatMap((set) => [...set])).size).toBe(49);

    // The failure is not kept: the refused audience asks again, the others answer from their cache.
    const again = Promise.all(
      AUDIENCES.map((audience) =>
        credentials
          .for({ audience })
          .getAccessToken()
          .catch((e: unknown) => e),
      ),
    );
    await vi.advanceTimersByTimeAsync(LATENCY);
    const second = await again;
    expect(seen).toHaveLength(51);
    expect(seen[50]!.form.get('audience')).toBe(FAILING);
    expect(second[AUDIENCES.indexOf(FAILING)]).toBeInstanceOf(OAuthError);
    AUDIENCES.forEach((audience, i) => {
      if (audience !== FAILING) expect(second[i]).toBe([...tokens.get(audience)!][0]);
    });
    expect(vi.getTimerCount()).toBe(49); // one background refresh per audience with a token

    credentials.dispose();

    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(seen).toHaveLength(51);
    expect(() => credentials.for({ audience: 'api-1' })).toThrow(DisposedError);
    await expect(credentials.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });
});
