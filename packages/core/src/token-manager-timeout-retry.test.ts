import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// Relative import: @tessera/testing depends on @tessera/core, so core cannot list it as a dependency.
import { failUnhandledRequest } from '../../testing/src/fail-unhandled-request.js';
import { isOAuthError } from './errors/guards.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

/**
 * A token endpoint that rotates refresh tokens. A rotated one used again is refused with
 * `invalid_grant` and revokes the family (strict reuse detection), unless it comes within
 * `graceMs` of its rotation (a reuse grace period, as Okta and Auth0 offer). `loseNextAnswer()`
 * makes the next request be processed (its refresh token rotated) but never answered;
 * `cutNextAnswer()` answers it 200 with a body that breaks off after 20 bytes.
 */
function rotatingServer({ graceMs }: { graceMs: number }) {
  let issued = 0;
  const valid = new Set(['rt-0']);
  const rotatedAt = new Map<string, number>();
  const requests: Array<{ refreshToken: string | null; outcome: 'ok' | 'grace' | 'invalid_grant' }> = [];
  let lose = false;
  let cut = false;
  let never: Promise<never> | undefined;
  const mint = () => {
    issued += 1;
    valid.add(`rt-${issued}`);
    return {
      access_token: `at-${issued}`,
      refresh_token: `rt-${issued}`,
      token_type: 'Bearer',
      expires_in: 600,
    };
  };
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      const refreshToken = new URLSearchParams(await request.text()).get('refresh_token');
      let body: ReturnType<typeof mint>;
      if (refreshToken && valid.has(refreshToken)) {
        valid.delete(refreshToken);
        rotatedAt.set(refreshToken, Date.now());
        body = mint();
        requests.push({ refreshToken, outcome: 'ok' });
      } else if (
        refreshToken &&
        Date.now() - (rotatedAt.get(refreshToken) ?? Number.NEGATIVE_INFINITY) <= graceMs
      ) {
        body = mint();
        requests.push({ refreshToken, outcome: 'grace' });
      } else {
        valid.clear(); // reuse detected: the whole family is revoked
        requests.push({ refreshToken, outcome: 'invalid_grant' });
        return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      }
      if (cut) {
        cut = false;
        // Processed and answered 200, but the connection breaks mid-body (a proxy or LB reset).
        const json = new TextEncoder().encode(JSON.stringify(body));
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(json.slice(0, 20));
            controller.error(new TypeError('terminated'));
          },
        });
        return new HttpResponse(stream, { headers: { 'Content-Type': 'application/json' } });
      }
      if (lose) {
        lose = false;
        never ??= new Promise<never>(() => {});
        await never; // processed, but the answer is lost: the client times out
      }
      return HttpResponse.json(body);
    }),
  );
  return {
    requests,
    loseNextAnswer: () => {
      lose = true;
    },
    cutNextAnswer: () => {
      cut = true;
    },
  };
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

function signedIn(options: { retryTimeouts?: boolean; storage?: TokenStorage } = {}) {
  const storage = options.storage ?? memoryStorage();
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' }),
    storage,
    timeout: 5_000,
    retry: { retries: 3, randomize: false, minTimeout: 100 },
    ...(options.retryTimeouts === undefined ? {} : { retryTimeouts: options.retryTimeouts }),
  });
  managers.push(tokens);
  const events: TokenEvent['type'][] = [];
  tokens.subscribe((event) => events.push(event.type));
  return { tokens, events, storage };
}

async function expiredSession(tokens: TokenManager): Promise<void> {
  await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
}

/** Runs `promise` to its end while fake time passes. */
async function settle<T>(promise: Promise<T>, ms = 60_000): Promise<T | unknown> {
  const outcome = promise.then(
    (value) => value,
    (error: unknown) => error,
  );
  await vi.advanceTimersByTimeAsync(ms);
  return outcome;
}

describe('a refresh whose answer was lost (timeout after the server rotated the refresh token)', () => {
  it('is not retried by default: one request, TimeoutError, the session kept', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 0 });
    const { tokens, events } = signedIn();
    await expiredSession(tokens);
    auth.loseNextAnswer();
    expect(await settle(tokens.getAccessToken())).toBeInstanceOf(TimeoutError);
    expect(auth.requests).toEqual([{ refreshToken: 'rt-0', outcome: 'ok' }]);
    expect(events).not.toContain('session_expired');
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-0');
  });

  it('with a grace period server, survives: the next call reuses the old refresh token within the grace', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 30_000 });
    const { tokens } = signedIn();
    await expiredSession(tokens);
    auth.loseNextAnswer();
    await settle(tokens.getAccessToken(), 5_000); // the timeout
    expect(await settle(tokens.getAccessToken(), 1_000)).toBe('at-2');
    expect(auth.requests.map((request) => request.outcome)).toEqual(['ok', 'grace']);
  });

  it('with retryTimeouts and a grace period server, retries at once and gets a set', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 30_000 });
    const { tokens, events } = signedIn({ retryTimeouts: true });
    await expiredSession(tokens);
    auth.loseNextAnswer();
    expect(await settle(tokens.getAccessToken())).toBe('at-2');
    expect(auth.requests).toEqual([
      { refreshToken: 'rt-0', outcome: 'ok' },
      { refreshToken: 'rt-0', outcome: 'grace' },
    ]);
    expect(events).toContain('retrying');
    // The family lives on: the next refresh spends rt-2.
    expect(await settle(tokens.getAccessToken({ forceRefresh: true }))).toBe('at-3');
  });

  it('with retryTimeouts and a strict server, the retry ends the session (why it is opt-in)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 0 });
    const { tokens, events } = signedIn({ retryTimeouts: true });
    await expiredSession(tokens);
    auth.loseNextAnswer();
    const error = await settle(tokens.getAccessToken());
    expect(isOAuthError(error, 'invalid_grant')).toBe(true);
    expect(auth.requests.map((request) => request.outcome)).toEqual(['ok', 'invalid_grant']);
    expect(events).toContain('session_expired');
  });

  it('with retryTimeouts, re-reads storage before the retry and adopts a set stored meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 0 });
    const storage = memoryStorage();
    const { tokens, events } = signedIn({ retryTimeouts: true, storage });
    await expiredSession(tokens);
    auth.loseNextAnswer();
    const token = tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(1_000);
    // Another replica on the same storage refreshed meanwhile (say, with a newer refresh token).
    storage.set({
      accessToken: 'from-replica',
      tokenType: 'Bearer',
      refreshToken: 'rt-9',
      expiresAt: Date.now() + 600_000,
    });
    expect(await settle(token)).toBe('from-replica');
    expect(auth.requests).toHaveLength(1);
    expect(events).toContain('synced');
  });
});

describe('a refresh whose 200 answer broke off mid-body (the server rotated the refresh token)', () => {
  it('is not retried with the spent refresh token: one request, MalformedResponseError incomplete, the session kept', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const auth = rotatingServer({ graceMs: 0 });
    const { tokens, events } = signedIn();
    await expiredSession(tokens);
    auth.cutNextAnswer();
    const error = await settle(tokens.getAccessToken());
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'incomplete', status: 200 });
    expect((error as Error).message).toBe(
      `Token response is malformed: the body broke off (HTTP 200) — POST ${TOKEN_URL}`,
    );
    expect(auth.requests).toEqual([{ refreshToken: 'rt-0', outcome: 'ok' }]);
    expect(events).not.toContain('session_expired');
    expect(events).not.toContain('retrying');
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-0');
  });
});
