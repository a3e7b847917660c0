import {
  HttpError,
  LoginRequiredError,
  NetworkError,
  OAuthError,
  type RefreshReason,
  type TokenEvent,
  type TokenSet,
} from '@tessera/core';
import { DPoPNonceError } from '@tessera/dpop';
import { describe, expect, it } from 'vitest';
import { describeEvent, errorCode } from './describe-event.js';

const tokens: TokenSet = { accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt-1', expiresAt: 1 };
const invalidGrant = new OAuthError(
  { error: 'invalid_grant', errorDescription: 'Refresh token rt-1 was revoked', status: 400 },
  'token request for "tessera"',
);

/**
 * One line per event type. `satisfies` makes this file fail to typecheck when `TokenEvent` gains a
 * type that is not listed here, so a new event cannot slip into the panel untested.
 */
const LINES = {
  loaded: [
    [{ type: 'loaded', tokens }, 'loaded (signed in)'],
    [{ type: 'loaded', tokens: undefined }, 'loaded (no tokens)'],
  ],
  refreshed: [[{ type: 'refreshed', tokens, reason: 'background' }, 'refreshed (background)']],
  tokens_set: [[{ type: 'tokens_set', tokens }, 'tokens_set (signed in)']],
  synced: [[{ type: 'synced', tokens }, 'synced']],
  retrying: [
    [
      { type: 'retrying', error: new HttpError(503, 'test'), attempt: 1, delay: 1_000 },
      'retrying (attempt 2 in 1000 ms)',
    ],
    [
      { type: 'retrying', error: new HttpError(503, 'test'), attempt: 3, delay: 283.5 },
      'retrying (attempt 4 in 284 ms)',
    ],
  ],
  refresh_failed: [
    [{ type: 'refresh_failed', error: invalidGrant, reason: 'expired' }, 'refresh_failed (invalid_grant)'],
    [
      { type: 'refresh_failed', error: new NetworkError('test'), reason: 'background' },
      'refresh_failed (NETWORK_ERROR)',
    ],
  ],
  invalidated: [[{ type: 'invalidated' }, 'invalidated']],
  invalidation_ignored: [
    [{ type: 'invalidation_ignored', reason: 'cooldown', until: 1 }, 'invalidation_ignored (cooldown)'],
  ],
  cleared: [
    [{ type: 'cleared', reason: 'clear' }, 'cleared (clear)'],
    [{ type: 'cleared', reason: 'session_expired' }, 'cleared (session_expired)'],
    [{ type: 'cleared', reason: 'external' }, 'cleared (external)'],
  ],
  session_expired: [[{ type: 'session_expired', error: invalidGrant }, 'session_expired (invalid_grant)']],
  storage_error: [
    [{ type: 'storage_error', operation: 'get', error: new SyntaxError('bad JSON') }, 'storage_error (get)'],
    [
      { type: 'storage_error', operation: 'set', error: new Error('QuotaExceededError') },
      'storage_error (set)',
    ],
    [{ type: 'storage_error', operation: 'remove', error: 'denied' }, 'storage_error (remove)'],
  ],
} satisfies { [Type in TokenEvent['type']]: [Extract<TokenEvent, { type: Type }>, string][] };

describe('describeEvent', () => {
  it('shows a dash before any event', () => {
    expect(describeEvent(undefined)).toBe('—');
  });

  it.each((Object.values(LINES).flat() as [TokenEvent, string][]).map(([event, line]) => ({ event, line })))(
    '$event.type → $line',
    ({ event, line }) => {
      expect(describeEvent(event)).toBe(line);
    },
  );

  it.each<RefreshReason>(['initial', 'expired', 'invalidated', 'forced', 'background'])(
    'names why a refresh happened: %s',
    (reason) => {
      expect(describeEvent({ type: 'refreshed', tokens, reason })).toBe(`refreshed (${reason})`);
    },
  );

  it('never shows an error message, which may quote a token', () => {
    const lines = Object.values(LINES)
      .flat()
      .map(([event]) => describeEvent(event as TokenEvent));
    expect(lines.filter((line) => /rt-1|revoked|bad JSON|QuotaExceeded/.test(line))).toEqual([]);
  });
});

describe('errorCode', () => {
  it('gives the OAuth error of an OAuthError', () => {
    expect(errorCode(invalidGrant)).toBe('invalid_grant');
    expect(errorCode(new OAuthError({ error: 'invalid_client', status: 401 }, 'test'))).toBe(
      'invalid_client',
    );
  });

  it('gives the code of any other Tessera error', () => {
    expect(errorCode(new NetworkError('test'))).toBe('NETWORK_ERROR');
    expect(errorCode(new HttpError(502, 'test'))).toBe('HTTP_ERROR');
    expect(errorCode(new LoginRequiredError())).toBe('LOGIN_REQUIRED');
  });

  it('gives a DPoP nonce failure with its reason, so a hidden DPoP-Nonce (CORS) is named on screen', () => {
    expect(errorCode(new DPoPNonceError('nonce_unreadable', 401, 'https://api.example.com/me'))).toBe(
      'DPOP_NONCE (nonce_unreadable)',
    );
    expect(errorCode(new DPoPNonceError('rejected_after_retry', 400, 'https://id.example.com/token'))).toBe(
      'DPOP_NONCE (rejected_after_retry)',
    );
  });

  it('gives the name of a foreign error, never its message', () => {
    expect(errorCode(new TypeError('Failed to fetch https://id.example.com?token=secret'))).toBe('TypeError');
    expect(errorCode(new Error('boom'))).toBe('Error');
  });

  it('says unknown error for a thrown value that is not an Error', () => {
    expect(errorCode('invalid_grant')).toBe('unknown error');
    expect(errorCode({ error: 'invalid_grant' })).toBe('unknown error');
    expect(errorCode(undefined)).toBe('unknown error');
    expect(errorCode(null)).toBe('unknown error');
  });
});
