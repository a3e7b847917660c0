import { NetworkError, OAuthError, type TokenEvent } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { signInNotice } from './sign-in-notice.js';

const tokens = { accessToken: 'at-1', tokenType: 'Bearer' };

describe('signInNotice', () => {
  it('says nothing when the app starts', () => {
    expect(signInNotice(undefined)).toBeUndefined();
  });

  it('says the server ended the session, with its OAuth error', () => {
    const error = new OAuthError(
      { error: 'invalid_grant', errorDescription: 'Token revoked', status: 400 },
      'test',
    );
    expect(signInNotice({ type: 'session_expired', error })).toBe(
      'Your session has ended: the server refused to renew it (invalid_grant). Please sign in again.',
    );
  });

  it('names the error code of a session that ended with another Tessera error', () => {
    expect(signInNotice({ type: 'session_expired', error: new NetworkError('test') })).toBe(
      'Your session has ended: the server refused to renew it (NETWORK_ERROR). Please sign in again.',
    );
  });

  it('says the user signed out, here or in another tab', () => {
    expect(signInNotice({ type: 'cleared', reason: 'clear' })).toBe('You signed out.');
    expect(signInNotice({ type: 'cleared', reason: 'external' })).toBe('You signed out in another tab.');
  });

  it.each<TokenEvent>([
    // Comes just before `session_expired`, which carries the reason.
    { type: 'cleared', reason: 'session_expired' },
    { type: 'loaded', tokens: undefined },
    { type: 'tokens_set', tokens },
    { type: 'refreshed', tokens, reason: 'forced' },
    { type: 'synced', tokens },
    { type: 'invalidated' },
    { type: 'retrying', error: new NetworkError('test'), attempt: 1, delay: 200 },
    { type: 'refresh_failed', error: new NetworkError('test'), reason: 'expired' },
    { type: 'storage_error', operation: 'remove', error: new Error('denied') },
  ])('says nothing after $type', (event) => {
    expect(signInNotice(event)).toBeUndefined();
  });
});
