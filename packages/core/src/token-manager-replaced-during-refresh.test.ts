import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from './errors/http-error.js';
import type { TokenEvent } from './events.js';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenResponse } from './token-set.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/** A manager whose token requests wait until the test answers them, one by one. */
function setup() {
  const answers: Array<(response: TokenResponse) => void> = [];
  const fetchTokens = vi.fn<FetchTokens>(() => new Promise((resolve) => answers.push(resolve)));
  const storage = memoryStorage();
  const tokens = new TokenManager({ fetchTokens, storage, retry: false, clock: () => 1_700_000_000_000 });
  const events: TokenEvent['type'][] = [];
  tokens.subscribe((event) => events.push(event.type));
  managers.push(tokens);
  const requested = async (count: number) => {
    await vi.waitFor(() => expect(answers).toHaveLength(count));
  };
  const sentRefreshTokens = () => fetchTokens.mock.calls.map(([request]) => request.refreshToken);
  return { tokens, fetchTokens, storage, answers, requested, sentRefreshTokens, events };
}

describe('a set replaced by setTokens() while a refresh is in flight', () => {
  it('callers of a set that is already due get a refresh of it, not LoginRequiredError', async () => {
    const { tokens, storage, answers, requested, sentRefreshTokens, events } = setup();
    await tokens.setTokens({ access_token: 'at-0', expires_in: 0, refresh_token: 'rt-0' });
    const before = tokens.getAccessToken();
    await requested(1);
    await tokens.setTokens({ access_token: 'at-2', expires_in: 0, refresh_token: 'rt-2' });
    const after = tokens.getAccessToken();
    answers[0]!({ access_token: 'at-1', expires_in: 3600, refresh_token: 'rt-1' });
    await requested(2);
    answers[1]!({ access_token: 'at-3', expires_in: 3600, refresh_token: 'rt-3' });
    expect(await before).toBe('at-3');
    expect(await after).toBe('at-3');
    expect(sentRefreshTokens()).toEqual(['rt-0', 'rt-2']);
    expect(await storage.get()).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(events.filter((type) => type === 'refresh_failed' || type === 'refreshed')).toEqual(['refreshed']);
  });

  it('300 forceRefresh callers after setTokens() join the flight and get the new set; the older result is never stored', async () => {
    const { tokens, storage, answers, requested, sentRefreshTokens } = setup();
    await tokens.setTokens({ access_token: 'at-0', expires_in: 0, refresh_token: 'rt-0' });
    const before = tokens.getAccessToken();
    await requested(1);
    await tokens.setTokens({ access_token: 'at-2', expires_in: 3600, refresh_token: 'rt-2' });
    const forced = Array.from({ length: 300 }, () => tokens.getAccessToken({ forceRefresh: true }));
    answers[0]!({ access_token: 'at-1', expires_in: 3600, refresh_token: 'rt-1' });

    expect(await Promise.all([before, ...forced])).toEqual(Array(301).fill('at-2'));
    expect(sentRefreshTokens()).toEqual(['rt-0']);
    expect(await storage.get()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
    expect(tokens.peekTokens()?.accessToken).toBe('at-2');
  });

  it('invalidating the new set refreshes it instead of failing with LoginRequiredError', async () => {
    const { tokens, answers, requested, sentRefreshTokens } = setup();
    await tokens.setTokens({ access_token: 'at-0', expires_in: 0, refresh_token: 'rt-0' });
    const before = tokens.getAccessToken();
    await requested(1);
    await tokens.setTokens({ access_token: 'at-2', expires_in: 3600, refresh_token: 'rt-2' });
    expect(tokens.invalidate('at-2')).toBe(true);
    const after = tokens.getAccessToken();
    answers[0]!({ access_token: 'at-1', expires_in: 3600 });
    await requested(2);
    answers[1]!({ access_token: 'at-3', expires_in: 3600 });
    expect(await before).toBe('at-3');
    expect(await after).toBe('at-3');
    expect(sentRefreshTokens()).toEqual(['rt-0', 'rt-2']);
  });

  it('a refresh that fails after the set was replaced hands its callers the new set, reporting no failure', async () => {
    const { tokens, storage, fetchTokens, events } = setup();
    fetchTokens.mockImplementationOnce(async () => {
      await tokens.setTokens({ access_token: 'at-2', expires_in: 3600, refresh_token: 'rt-2' });
      throw new HttpError(503, 'POST https://auth.example.test/token');
    });
    await tokens.setTokens({ access_token: 'at-0', expires_in: 0, refresh_token: 'rt-0' });
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(await storage.get()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
    expect(events).not.toContain('refresh_failed');
    expect(events).not.toContain('session_expired');
  });

  it('still rejects the callers of a refresh that clear() ended with LoginRequiredError', async () => {
    const { tokens, answers, requested, fetchTokens } = setup();
    await tokens.setTokens({ access_token: 'at-0', expires_in: 0, refresh_token: 'rt-0' });
    const before = tokens.getAccessToken().catch((error: Error) => error.name);
    await requested(1);
    await tokens.clear();
    answers[0]!({ access_token: 'at-1', expires_in: 3600 });
    expect(await before).toBe('LoginRequiredError');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
