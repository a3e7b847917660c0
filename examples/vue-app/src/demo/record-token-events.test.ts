import { OAuthError, type TokenEvent, type TokenSet } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { timelineInput } from './record-token-events.js';

const set: TokenSet = { accessToken: 'at-secret', tokenType: 'Bearer', refreshToken: 'rt-secret' };
const invalidGrant = new OAuthError(
  { error: 'invalid_grant', errorDescription: 'grant rt-secret revoked', status: 400 },
  'test',
);

describe('timelineInput', () => {
  it.each<[TokenEvent, ReturnType<typeof timelineInput>]>([
    [
      { type: 'tokens_set', tokens: set },
      { kind: 'sign-in', label: 'sign-in', accessToken: 'at-secret' },
    ],
    [
      { type: 'refreshed', tokens: set, reason: 'background' },
      { kind: 'refresh', label: 'refresh (background)', status: 'ok', accessToken: 'at-secret' },
    ],
    [{ type: 'invalidated' }, { kind: 'stale', label: 'token marked stale' }],
    [
      {
        type: 'retrying',
        error: new OAuthError({ error: 'temporarily_unavailable', status: 503 }, 'test'),
        attempt: 0,
        delay: 212.7,
      },
      { kind: 'retry', label: 'refresh failed, retry in 213 ms', status: 'temporarily_unavailable' },
    ],
    [
      { type: 'refresh_failed', error: invalidGrant, reason: 'expired' },
      { kind: 'refresh-failed', label: 'refresh (expired)', status: 'invalid_grant' },
    ],
    [
      { type: 'synced', tokens: set },
      { kind: 'synced', label: 'new tokens from another tab', accessToken: 'at-secret' },
    ],
    [
      { type: 'cleared', reason: 'clear' },
      { kind: 'sign-out', label: 'sign-out' },
    ],
    [
      { type: 'cleared', reason: 'external' },
      { kind: 'sign-out', label: 'signed out in another tab' },
    ],
    [{ type: 'cleared', reason: 'session_expired' }, undefined],
    [
      { type: 'session_expired', error: invalidGrant },
      { kind: 'session-end', label: 'session ended by the server', status: 'invalid_grant' },
    ],
    [{ type: 'loaded', tokens: set }, undefined],
  ])('turns %o into its row', (event, row) => {
    expect(timelineInput(event)).toEqual(row);
  });

  it('shows the OAuth error code of a failure, never its description', () => {
    const row = timelineInput({ type: 'session_expired', error: invalidGrant });
    expect(JSON.stringify(row)).not.toContain('rt-secret');
  });
});
