import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from './config.js';
import { createSession, type Session } from './create-session.js';
import { describeEvent } from './describe-event.js';
import { describeExpiresIn } from './describe-expires-in.js';
import { callErrorCode } from './fire-parallel-calls.js';
import { signInError } from './sign-in-error.js';
import { signInNotice } from './sign-in-notice.js';
import { initialTokenSession, nextTokenSession } from './token-session.js';
import { tokenSubject } from './token-subject.js';

// The app's default configuration, and its embedded mock server as `startMockServer` builds it, in Node.
const config = readConfig('', {});
const mock = config.mock!;
// Stopped on a whole second, so the server's `expires_in` is exactly the configured 30 s.
const serverClock = createTestClock(1_700_000_000_000);
const auth = createAuthServer({
  clock: serverClock.now,
  issuer: mock.issuer,
  audience: mock.apiBaseUrl,
  accessTokenLifetime: mock.accessTokenLifetime,
});
/** Another origin, which must never see the access token. */
const ELSEWHERE = 'https://elsewhere.test';
const server = setupServer(
  ...auth.handlers,
  ...auth.protectedApi(mock.apiBaseUrl),
  http.get(`${ELSEWHERE}/echo`, ({ request }) =>
    HttpResponse.json({ authorization: request.headers.get('authorization') }),
  ),
);

const sessions: Session[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const session of sessions.splice(0)) session.tokens.dispose();
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

/** A session watched as the React hook and the Vue composable watch it. */
function start(counter: 'server' | 'tab', appConfig = config) {
  const session = createSession(appConfig, counter === 'server' ? () => auth.tokenRequestCount : undefined);
  sessions.push(session);
  let state = initialTokenSession(session.tokens);
  session.tokens.subscribe((event) => {
    state = nextTokenSession(state, event, session.tokens.peekTokens());
  });
  return { session, state: () => state };
}

const tokenRequests = () =>
  auth.tokenRequests.map(({ grantType, status, error }) => ({ grantType, status, error }));

describe.each(['server', 'tab'] as const)('createSession, token requests counted by the %s', (counter) => {
  it('signs alice in with one password-grant request and shows her session', async () => {
    const { session, state } = start(counter);
    expect(state()).toEqual({ tokens: undefined, refreshCount: 0, lastEvent: undefined });

    await session.signInWithPassword('alice', 'wonderland');

    const tokens = state().tokens;
    expect(tokenSubject(tokens)).toBe('alice');
    expect(state().refreshCount).toBe(0);
    expect(describeEvent(state().lastEvent)).toBe('tokens_set (signed in)');
    expect(describeExpiresIn(tokens?.expiresAt, tokens!.issuedAt!)).toBe('30 s');
    expect(session.tokenRequestCount()).toBe(1);
    expect(tokenRequests()).toEqual([{ grantType: 'password', status: 200, error: undefined }]);
  });

  it('refuses a wrong password with invalid_grant, stays signed out, and counts the request', async () => {
    const { session, state } = start(counter);

    const error = await session
      .signInWithPassword('alice', 'not-her-password')
      .catch((reason: unknown) => reason);

    expect(signInError(error)).toBe('Wrong username or password (invalid_grant).');
    expect(state()).toEqual({ tokens: undefined, refreshCount: 0, lastEvent: undefined });
    expect(signInNotice(state().lastEvent)).toBeUndefined();
    expect(session.tokenRequestCount()).toBe(1);
    expect(tokenRequests()).toEqual([{ grantType: 'password', status: 400, error: 'invalid_grant' }]);
  });

  it('calls the API with the access token, and sends it to no other origin', async () => {
    const { session } = start(counter);
    await session.signInWithPassword('alice', 'wonderland');

    const response = await session.api.get<unknown>(session.apiUrl);
    const elsewhere = await session.api.get<unknown>(`${ELSEWHERE}/echo`);

    expect(`${response.status} ${JSON.stringify(response.data)}`).toBe(
      '200 {"ok":true,"method":"GET","path":"/me","sub":"alice"}',
    );
    expect(elsewhere.data).toEqual({ authorization: null });
    expect(auth.apiRequests.map((request) => request.authorization)).toEqual(['valid']);
    expect(session.tokenRequestCount()).toBe(1);
  });

  it('signs out without a token request and says so', async () => {
    const { session, state } = start(counter);
    await session.signInWithPassword('alice', 'wonderland');

    await session.signOut();

    expect(state().tokens).toBeUndefined();
    expect(describeEvent(state().lastEvent)).toBe('cleared (clear)');
    expect(signInNotice(state().lastEvent)).toBe('You signed out.');
    expect(session.tokenRequestCount()).toBe(1);
  });

  it('returns to sign-in with a clear message when the server ends the session, and signs in again', async () => {
    const { session, state } = start(counter);
    await session.signInWithPassword('alice', 'wonderland');
    auth.revokeAll();

    const error = await session.api.get(session.apiUrl).catch((reason: unknown) => reason);

    expect(`failed: ${callErrorCode(error)}`).toBe('failed: invalid_grant');
    expect(state().tokens).toBeUndefined();
    expect(describeEvent(state().lastEvent)).toBe('session_expired (invalid_grant)');
    expect(signInNotice(state().lastEvent)).toBe(
      'Your session has ended: the server refused to renew it (invalid_grant). Please sign in again.',
    );
    expect(tokenRequests().at(-1)).toEqual({
      grantType: 'refresh_token',
      status: 400,
      error: 'invalid_grant',
    });
    expect(session.tokenRequestCount()).toBe(2);

    await session.signInWithPassword('alice', 'wonderland');
    expect(tokenSubject(state().tokens)).toBe('alice');
    expect(session.tokenRequestCount()).toBe(3);
  });
});

describe('createSession with the embedded mock server', () => {
  it('has no identity provider: password sign-in only, no issuer', () => {
    const { session } = start('server');
    expect(session.oidc).toBeUndefined();
    expect(session.issuer).toBeUndefined();
  });
});
