import { HttpError, NetworkError, OAuthError, TimeoutError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { signInError } from './sign-in-error.js';

describe('signInError', () => {
  it('says the username or password is wrong for invalid_grant', () => {
    const error = new OAuthError(
      { error: 'invalid_grant', errorDescription: 'Invalid resource owner credentials', status: 400 },
      'test',
    );
    expect(signInError(error)).toBe('Wrong username or password (invalid_grant).');
  });

  it('names any other OAuth error', () => {
    expect(signInError(new OAuthError({ error: 'invalid_client', status: 401 }, 'test'))).toBe(
      'Sign-in failed (invalid_client).',
    );
    expect(signInError(new OAuthError({ error: 'unauthorized_client', status: 400 }, 'test'))).toBe(
      'Sign-in failed (unauthorized_client).',
    );
  });

  it('names the Tessera code of a failure without an OAuth error', () => {
    expect(signInError(new NetworkError('test'))).toBe('Sign-in failed (NETWORK_ERROR).');
    expect(signInError(new HttpError(503, 'test'))).toBe('Sign-in failed (HTTP_ERROR).');
    expect(signInError(new TimeoutError(10_000, 'test'))).toBe('Sign-in failed (TIMEOUT).');
  });

  it('names the HTTP status or axios code of an HTTP client error', () => {
    expect(signInError(Object.assign(new Error('Request failed'), { response: { status: 502 } }))).toBe(
      'Sign-in failed (502).',
    );
    expect(signInError(Object.assign(new Error('Network Error'), { code: 'ERR_NETWORK' }))).toBe(
      'Sign-in failed (ERR_NETWORK).',
    );
  });

  it('names a foreign error by its name, never its message', () => {
    expect(signInError(new TypeError('password=hunter2'))).toBe('Sign-in failed (TypeError).');
    expect(signInError('invalid_grant')).toBe('Sign-in failed (unknown error).');
  });
});
