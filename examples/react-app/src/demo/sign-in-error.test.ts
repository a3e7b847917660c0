import { HttpError, NetworkError, OAuthError, TesseraError, TimeoutError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { signInError } from './sign-in-error.js';

/** A Tessera error with `code`, as core's sign-in errors are. */
class StaleCallbackErrorLike extends TesseraError {
  constructor(code: 'STALE_CALLBACK' | 'PKCE_VERIFIER_MISSING') {
    super(code, 'test');
  }
}

describe('signInError', () => {
  it('says the username or password is wrong for invalid_grant', () => {
    const error = new OAuthError(
      { error: 'invalid_grant', errorDescription: 'Invalid resource owner credentials', status: 400 },
      'test',
    );
    expect(signInError(error)).toBe('Wrong username or password (invalid_grant).');
  });

  it('says the user cancelled at the identity provider for access_denied', () => {
    const error = new OAuthError(
      { error: 'access_denied', errorDescription: 'End-User aborted', status: 302 },
      'test',
    );
    expect(signInError(error)).toBe('Sign-in was cancelled at the identity provider (access_denied).');
  });

  it('explains a tampered, replayed or foreign callback and a lost PKCE verifier', () => {
    const stale = Object.assign(new Error('x'), { name: 'StaleCallbackError' });
    expect(signInError(new StaleCallbackErrorLike('STALE_CALLBACK'))).toBe(
      'This sign-in response was ignored and no token was requested: it was already used, was not for a sign-in started here, or repeated a parameter (STALE_CALLBACK).',
    );
    expect(signInError(new StaleCallbackErrorLike('PKCE_VERIFIER_MISSING'))).toMatch(
      /^This sign-in was started in another tab.*\(PKCE_VERIFIER_MISSING\)\.$/,
    );
    expect(signInError(stale)).toBe('Sign-in failed (StaleCallbackError).');
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
