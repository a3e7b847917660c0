import { createSignIn, isOAuthError, OAuthError } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage } from '../test/transaction-storage.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const auth = createAuthServer({ issuer: 'https://deny.example.test' });
const server = setupServer(...auth.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

describe('with @tessera/core createSignIn', () => {
  it('handleCallback of an access_denied callback gives an OAuthError with that error and sends no token request', async () => {
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      transactionStorage: memoryStorage(),
      navigate: () => {},
    });
    const callback = auth.authorize(await signIn.buildAuthorizationUrl(), {
      error: 'access_denied',
      errorDescription: 'The user denied consent',
    });
    const result = await signIn.handleCallback(callback);
    expect(result.status).toBe('error');
    const error = result.status === 'error' ? result.error : undefined;
    expect(error).toBeInstanceOf(OAuthError);
    expect(isOAuthError(error) && [error.error, error.errorDescription]).toEqual([
      'access_denied',
      'The user denied consent',
    ]);
    expect(auth.tokenRequestCount).toBe(0);
  });
});
