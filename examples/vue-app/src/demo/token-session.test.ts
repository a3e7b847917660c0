import { type FetchTokens, OAuthError, type TokenEvent, TokenManager, type TokenSet } from '@tessera/core';
import { createTestClock } from '@tessera/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeEvent } from './describe-event.js';
import { signInNotice } from './sign-in-notice.js';
import { initialTokenSession, nextTokenSession, type TokenSession } from './token-session.js';

const first: TokenSet = { accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt-1' };
const second: TokenSet = { accessToken: 'at-2', tokenType: 'Bearer', refreshToken: 'rt-2' };
const start: TokenSession = { tokens: first, refreshCount: 0, lastEvent: undefined };

describe('nextTokenSession', () => {
  it('counts a refreshed event, whatever its reason', () => {
    let session = start;
    for (const reason of ['background', 'expired', 'invalidated', 'forced', 'initial'] as const) {
      session = nextTokenSession(session, { type: 'refreshed', tokens: second, reason }, second);
    }
    expect(session.refreshCount).toBe(5);
  });

  it.each<TokenEvent>([
    { type: 'loaded', tokens: first },
    { type: 'synced', tokens: second },
    { type: 'invalidated' },
    { type: 'retrying', error: new Error('503'), attempt: 1, delay: 200 },
    { type: 'refresh_failed', error: new Error('503'), reason: 'expired' },
    { type: 'storage_error', operation: 'set', error: new Error('quota') },
  ])('does not count $type as a refresh, and keeps it as the last event', (event) => {
    const session = nextTokenSession({ ...start, refreshCount: 3 }, event, first);
    expect(session.refreshCount).toBe(3);
    expect(session.lastEvent).toBe(event);
  });

  it('takes the tokens it is given, not those in the event', () => {
    const event: TokenEvent = { type: 'refreshed', tokens: second, reason: 'forced' };
    expect(nextTokenSession(start, event, undefined)).toEqual({
      tokens: undefined,
      refreshCount: 1,
      lastEvent: event,
    });
  });

  it('returns a new snapshot and leaves the previous one as it was', () => {
    const event: TokenEvent = { type: 'refreshed', tokens: second, reason: 'background' };
    const before = { ...start };
    const after = nextTokenSession(start, event, second);
    expect(after).not.toBe(start);
    expect(start).toEqual(before);
    expect(after).toEqual({ tokens: second, refreshCount: 1, lastEvent: event });
  });

  it.each<TokenEvent>([
    { type: 'cleared', reason: 'clear' },
    { type: 'cleared', reason: 'session_expired' },
    { type: 'cleared', reason: 'external' },
  ])('starts the refresh count again at 0 when the session ends ($type, $reason)', (event) => {
    const session = nextTokenSession({ ...start, refreshCount: 3 }, event, undefined);
    expect(session).toEqual({ tokens: undefined, refreshCount: 0, lastEvent: event });
  });

  it('starts the refresh count again at 0 at a new sign-in, even without a sign-out before it', () => {
    const event: TokenEvent = { type: 'tokens_set', tokens: second };
    const session = nextTokenSession({ ...start, refreshCount: 3 }, event, second);
    expect(session).toEqual({ tokens: second, refreshCount: 0, lastEvent: event });
  });

  it('counts the refreshes of the second session only, after sign-out and a new sign-in', () => {
    let session = nextTokenSession(
      start,
      { type: 'refreshed', tokens: second, reason: 'background' },
      second,
    );
    expect(session.refreshCount).toBe(1);
    session = nextTokenSession(session, { type: 'cleared', reason: 'clear' }, undefined);
    session = nextTokenSession(session, { type: 'tokens_set', tokens: first }, first);
    expect(session).toMatchObject({ tokens: first, refreshCount: 0 });
    session = nextTokenSession(session, { type: 'refreshed', tokens: second, reason: 'expired' }, second);
    expect(session).toMatchObject({ tokens: second, refreshCount: 1 });
  });
});

/** A manager with a fake token endpoint, watched the way the React hook and the Vue composable watch it. */
const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

function watched(fetchTokens: FetchTokens) {
  const clock = createTestClock(1_700_000_000_000);
  const tokens = new TokenManager({ fetchTokens, clock: clock.now, retry: false });
  managers.push(tokens);
  let session = initialTokenSession(tokens);
  const initial = session;
  tokens.subscribe((event) => {
    session = nextTokenSession(session, event, tokens.peekTokens());
  });
  return { tokens, clock, initial, current: () => session };
}

/** A token endpoint answering `at-2`, `at-3`… with a rotated refresh token, valid 30 s. */
function rotatingEndpoint() {
  let issued = 1;
  return vi.fn<FetchTokens>(async () => {
    issued += 1;
    return { access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 30 };
  });
}

describe('a TokenSession following a TokenManager', () => {
  it('starts from the tokens the manager holds, with no refresh and no event', async () => {
    const { initial } = watched(rotatingEndpoint());
    expect(initial).toEqual({ tokens: undefined, refreshCount: 0, lastEvent: undefined });

    const tokens = new TokenManager({ fetchTokens: rotatingEndpoint() });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect(initialTokenSession(tokens)).toEqual({
      tokens: expect.objectContaining({ accessToken: 'at-1', refreshToken: 'rt-1' }),
      refreshCount: 0,
      lastEvent: undefined,
    });
  });

  it('shows sign-in, refreshes and invalidation as the panel would', async () => {
    const { tokens, clock, current } = watched(rotatingEndpoint());

    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 30 });
    expect(describeEvent(current().lastEvent)).toBe('tokens_set (signed in)');
    expect(current()).toMatchObject({ tokens: { accessToken: 'at-1' }, refreshCount: 0 });

    clock.advance(31_000);
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(describeEvent(current().lastEvent)).toBe('refreshed (expired)');
    expect(current()).toMatchObject({ tokens: { accessToken: 'at-2' }, refreshCount: 1 });

    tokens.invalidate('at-2');
    expect(describeEvent(current().lastEvent)).toBe('invalidated');
    expect(current().refreshCount).toBe(1);

    expect(await tokens.getAccessToken()).toBe('at-3');
    expect(describeEvent(current().lastEvent)).toBe('refreshed (invalidated)');
    expect(current()).toMatchObject({ tokens: { accessToken: 'at-3' }, refreshCount: 2 });
  });

  it('ends with session_expired and no tokens when the refresh token is refused', async () => {
    const endpoint = vi.fn<FetchTokens>(async () => {
      throw new OAuthError({ error: 'invalid_grant', status: 400 }, 'test');
    });
    const { tokens, current } = watched(endpoint);
    const seen: string[] = [];
    tokens.subscribe((event) => seen.push(event.type));
    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1' });

    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toThrow(OAuthError);

    expect(seen).toEqual(['tokens_set', 'refresh_failed', 'cleared', 'session_expired']);
    expect(current()).toMatchObject({ tokens: undefined, refreshCount: 0 });
    expect(describeEvent(current().lastEvent)).toBe('session_expired (invalid_grant)');
    expect(signInNotice(current().lastEvent)).toBe(
      'Your session has ended: the server refused to renew it (invalid_grant). Please sign in again.',
    );
  });

  it('ends with cleared (clear), no tokens and the refresh count back at 0 on sign-out', async () => {
    const { tokens, current } = watched(rotatingEndpoint());
    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1' });
    await tokens.getAccessToken({ forceRefresh: true });
    expect(current().refreshCount).toBe(1);

    await tokens.clear();

    expect(current()).toMatchObject({ tokens: undefined, refreshCount: 0 });
    expect(describeEvent(current().lastEvent)).toBe('cleared (clear)');
    expect(signInNotice(current().lastEvent)).toBe('You signed out.');
  });
});
