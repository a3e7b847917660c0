import { inspect } from 'node:util';
import { createTestClock, failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { TokenEvent } from './events.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

// Mutation sweep, stop 36: the refused-rotation path and the redaction of a cleared set.
const TOKEN_URL = 'https://auth.example.test/token';
const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
/** A 2xx that rotated the refresh token (`refresh_token`) but carries no access token. */
let answer: () => Record<string, unknown>;
let sent: string[];
let onRequest: () => Promise<void>;
const msw = setupServer(
  http.post(TOKEN_URL, async ({ request }) => {
    sent.push(new URLSearchParams(await request.text()).get('grant_type') ?? '');
    await onRequest();
    return HttpResponse.json(answer());
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  clock.set(start);
});

function manager(storage: TokenStorage, grant = refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' })) {
  sent = [];
  onRequest = async () => {};
  const tokens = new TokenManager({ fetchTokens: grant, storage, clock: clock.now, retry: false });
  managers.push(tokens);
  return tokens;
}

describe('a refresh answered 2xx with a rotated refresh token but no access token', () => {
  it('signed out (clear()) while the kept set was being stored: stays signed out, the kept set never comes back', async () => {
    const inner = memoryStorage();
    let cleared: Promise<void> | undefined;
    // The user signs out while the kept set (with the rotated refresh token) is being written.
    const storage: TokenStorage = {
      ...inner,
      set: (set) => {
        if (set.refreshToken === 'rt-1') cleared = tokens.clear();
        return inner.set(set);
      },
    };
    const tokens = manager(storage);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 60 });
    answer = () => ({ refresh_token: 'rt-1', token_type: 'Bearer' });
    clock.advance(60_000);

    await expect(tokens.getAccessToken()).rejects.toThrow();
    await cleared;
    expect(cleared).toBeDefined();
    expect(tokens.peekTokens()).toBeUndefined();
    expect(await storage.get()).toBeUndefined();
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ name: 'LoginRequiredError' });
    expect(sent).toEqual(['refresh_token']);
  });

  it('with an empty refresh_token: refused, the set and storage as they were', async () => {
    const storage = memoryStorage();
    const tokens = manager(storage);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 60 });
    const before = tokens.peekTokens();
    answer = () => ({ refresh_token: '', token_type: 'Bearer' });
    clock.advance(60_000);

    await expect(tokens.getAccessToken()).rejects.toMatchObject({ reason: 'missing_access_token' });
    expect(tokens.peekTokens()).toBe(before);
    expect(await storage.get()).toEqual(before);
  });

  it('to a client-credentials manager without a set: refused, nothing kept in memory or storage', async () => {
    const storage = memoryStorage();
    const tokens = manager(
      storage,
      clientCredentialsGrant({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: 'shh' }),
    );
    answer = () => ({ refresh_token: 'rt-odd', token_type: 'Bearer' });

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(MalformedResponseError);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(await storage.get()).toBeUndefined();
    expect(sent).toEqual(['client_credentials']);
  });
});

describe('a storage error quoting a set clear() removed', () => {
  it('is redacted after a second clear() too (nothing left in memory to redact with)', async () => {
    const held: TokenSet[] = [];
    // An app's storage that cannot remove the set it holds, and says which.
    const stuck: TokenStorage = {
      get: () => held[0],
      set: (set) => {
        held[0] = set;
      },
      remove: () => {
        if (held[0]) throw new Error(`cannot remove ${JSON.stringify(held[0])}`);
      },
    };
    const tokens = manager(stuck);
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    await tokens.setTokens({ access_token: 'at-secret', refresh_token: 'rt-secret', expires_in: 60 });

    await tokens.clear();
    await tokens.clear();

    const errors = events.filter((event) => event.type === 'storage_error');
    expect(errors).toHaveLength(2);
    for (const event of errors) {
      const shown = inspect(event, { depth: 20, showHidden: true });
      expect(shown).toContain('cannot remove');
      expect(shown).not.toContain('at-secret');
      expect(shown).not.toContain('rt-secret');
    }
  });
});
