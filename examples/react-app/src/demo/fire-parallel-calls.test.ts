import { OAuthError, type TokenEvent } from '@tessera/core';
import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { AxiosError, AxiosHeaders } from 'axios';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readConfig } from './config.js';
import { createSession, type Session } from './create-session.js';
import { describeEvent } from './describe-event.js';
import { describeParallelCalls } from './describe-parallel-calls.js';
import { callErrorCode, fireParallelCalls, PARALLEL_CALLS } from './fire-parallel-calls.js';
import { signInNotice } from './sign-in-notice.js';
import { initialTokenSession, nextTokenSession } from './token-session.js';

// The app's default configuration, and its embedded mock server as `startMockServer` builds it, in Node.
const config = readConfig('', {});
const mock = config.mock!;
const auth = createAuthServer({
  clock: createTestClock(1_700_000_000_000).now,
  issuer: mock.issuer,
  audience: mock.apiBaseUrl,
  accessTokenLifetime: mock.accessTokenLifetime,
});
const server = setupServer(...auth.handlers, ...auth.protectedApi(mock.apiBaseUrl));

const sessions: Session[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.useRealTimers();
  for (const session of sessions.splice(0)) session.tokens.dispose();
  auth.reset();
});
afterAll(() => server.close());

/** Alice signed in, her session watched as the React hook and the Vue composable watch it. */
async function signedIn(counter: 'server' | 'tab') {
  const session = createSession(config, counter === 'server' ? () => auth.tokenRequestCount : undefined);
  sessions.push(session);
  await session.signInWithPassword('alice', 'wonderland');
  let state = initialTokenSession(session.tokens);
  const events: TokenEvent[] = [];
  session.tokens.subscribe((event) => {
    events.push(event);
    state = nextTokenSession(state, event, session.tokens.peekTokens());
  });
  return { session, events, state: () => state };
}

const tokenRequests = () => auth.tokenRequests.map(({ grantType, status }) => `${grantType} ${status}`);

describe.each(['server', 'tab'] as const)(
  'fireParallelCalls, token requests counted by the %s',
  (counter) => {
    it('serves the 20 parallel calls with exactly one token request', async () => {
      const { session, state } = await signedIn(counter);

      const result = await fireParallelCalls(session, PARALLEL_CALLS);

      expect(result).toEqual({ calls: 20, succeeded: 20, failures: [], tokenRequests: 1 });
      expect(describeParallelCalls(result)).toBe('20 calls · 20 succeeded · 1 token request');
      expect(tokenRequests()).toEqual(['password 200', 'refresh_token 200']);
      expect(session.tokenRequestCount()).toBe(2);
      expect(auth.apiRequests.map((request) => request.authorization)).toEqual(Array(20).fill('valid'));
      expect(state().refreshCount).toBe(1);
      expect(describeEvent(state().lastEvent)).toBe('refreshed (invalidated)');
    });

    it('reports every call failed with invalid_grant, after one token request, when the server ended the session', async () => {
      const { session, state } = await signedIn(counter);
      auth.revokeAll();

      const result = await fireParallelCalls(session, PARALLEL_CALLS);

      expect(describeParallelCalls(result)).toBe(
        '20 calls · 0 succeeded · 20 failed (invalid_grant) · 1 token request',
      );
      expect(result.failures).toEqual(Array(20).fill('invalid_grant'));
      expect(tokenRequests()).toEqual(['password 200', 'refresh_token 400']);
      expect(auth.apiRequests).toHaveLength(0);
      expect(state().tokens).toBeUndefined();
      expect(signInNotice(state().lastEvent)).toBe(
        'Your session has ended: the server refused to renew it (invalid_grant). Please sign in again.',
      );
    });
  },
);

describe('fireParallelCalls when the token endpoint fails once with 503', () => {
  it('retries after the backoff and still serves all 20 calls, with 2 token requests', async () => {
    const { session, events, state } = await signedIn('server');
    // Only the timers: msw and axios keep running, the retry's backoff waits for the test.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    auth.failNextTokenRequests(1, { status: 503 });
    const retrying = new Promise<Extract<TokenEvent, { type: 'retrying' }>>((resolve) => {
      session.tokens.subscribe((event) => {
        if (event.type === 'retrying') resolve(event);
      });
    });

    const pending = fireParallelCalls(session, PARALLEL_CALLS);
    const retry = await retrying;
    expect(describeEvent(retry)).toBe(`retrying (attempt 2 in ${retry.delay} ms)`);
    expect(retry.delay).toBeGreaterThanOrEqual(200); // 200 ms, jitter up to twice that
    expect(retry.delay).toBeLessThanOrEqual(400);
    expect(tokenRequests()).toEqual(['password 200', 'refresh_token 503']);
    await vi.advanceTimersByTimeAsync(retry.delay);
    const result = await pending;

    expect(describeParallelCalls(result)).toBe('20 calls · 20 succeeded · 2 token requests');
    expect(tokenRequests()).toEqual(['password 200', 'refresh_token 503', 'refresh_token 200']);
    expect(events.map((event) => event.type)).toEqual(['invalidated', 'retrying', 'refreshed']);
    expect(state().refreshCount).toBe(1);
  });
});

describe('fireParallelCalls against a session without tokens', () => {
  it('fails every call with LOGIN_REQUIRED and sends no request', async () => {
    const session = createSession(config, () => auth.tokenRequestCount);
    sessions.push(session);

    const result = await fireParallelCalls(session, 3);

    expect(describeParallelCalls(result)).toBe(
      '3 calls · 0 succeeded · 3 failed (LOGIN_REQUIRED) · 0 token requests',
    );
    expect(auth.tokenRequestCount).toBe(0);
    expect(auth.apiRequests).toHaveLength(0);
  });
});

describe('callErrorCode', () => {
  const config = { headers: new AxiosHeaders() };

  it('gives the HTTP status of an API response', () => {
    const response = { status: 401, statusText: 'Unauthorized', headers: {}, config, data: undefined };
    expect(callErrorCode(new AxiosError('Request failed', 'ERR_BAD_REQUEST', config, {}, response))).toBe(
      '401',
    );
  });

  it("gives axios's code when no response arrived", () => {
    expect(callErrorCode(new AxiosError('Network Error', 'ERR_NETWORK', config))).toBe('ERR_NETWORK');
    expect(callErrorCode(new AxiosError('canceled', 'ERR_CANCELED', config))).toBe('ERR_CANCELED');
  });

  it('gives the OAuth error or Tessera code of an error from the token manager', () => {
    expect(callErrorCode(new OAuthError({ error: 'invalid_grant', status: 400 }, 'test'))).toBe(
      'invalid_grant',
    );
  });

  it('ignores a code that is not an axios code', () => {
    expect(callErrorCode(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'Error',
    );
  });

  it('says unknown error for a thrown value that is not an Error', () => {
    expect(callErrorCode(undefined)).toBe('unknown error');
    expect(callErrorCode(null)).toBe('unknown error');
    expect(callErrorCode('boom')).toBe('unknown error');
  });
});
