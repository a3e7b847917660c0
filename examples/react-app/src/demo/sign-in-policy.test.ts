import { OAuthError, type SignIn } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSignInPolicy } from './sign-in-policy.js';

/** A per-tab `sessionStorage` stand-in. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

function setUp(path = '/') {
  vi.stubGlobal('location', new URL(`http://127.0.0.1:5173${path}`));
  const start = vi.fn<SignIn['start']>(async () => {});
  const storage = memoryStorage();
  const policy = createSignInPolicy({ start } as unknown as SignIn, () => storage);
  /** The next page load of the same tab (same sessionStorage). */
  const reload = () => createSignInPolicy({ start } as unknown as SignIn, () => storage);
  return { policy, start, storage, reload };
}

const refused = (error: string) => new OAuthError({ error, status: 302 }, 'test');

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.unstubAllGlobals());

describe('createSignInPolicy', () => {
  it('asks the provider without a page (prompt=none) when a page loads signed out, returning to where the user was', () => {
    const { policy, start } = setUp('/orders?page=2#top');
    expect(policy.onLoaded('signed-out', undefined)).toEqual({ action: 'silent-sign-in' });
    expect(start.mock.calls).toEqual([[{ prompt: 'none', returnTo: '/orders?page=2#top' }]]);
  });

  it('does nothing when the page loads signed in, and forgets a silent attempt that succeeded', () => {
    const { policy, start, reload } = setUp();
    policy.onLoaded('signed-out', undefined);
    expect(reload().onLoaded('signed-in', undefined)).toEqual({ action: 'none' });
    // Signed out later in the same tab (memory cleared by a reload): it may ask again.
    expect(reload().onLoaded('signed-out', undefined)).toEqual({ action: 'silent-sign-in' });
    expect(start).toHaveBeenCalledTimes(2);
  });

  it.each(['login_required', 'consent_required', 'interaction_required'])(
    'shows the sign-in button, not an error, when the silent attempt comes back with %s; and does not try again',
    (error) => {
      const { policy, start, reload } = setUp();
      policy.onLoaded('signed-out', undefined);
      expect(reload().onLoaded('signed-out', refused(error))).toEqual({
        action: 'sign-in-screen',
        notice: 'You are not signed in at the identity provider.',
      });
      expect(start).toHaveBeenCalledTimes(1);
    },
  );

  it('never tries twice in a row: a silent attempt that came back without an answer shows the sign-in screen', () => {
    const { policy, start, reload } = setUp();
    policy.onLoaded('signed-out', undefined);
    expect(reload().onLoaded('signed-out', undefined)).toEqual({ action: 'sign-in-screen' });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('shows the error of an interactive sign-in (access_denied), and tries nothing by itself', () => {
    const { policy, start } = setUp('/callback');
    const error = refused('access_denied');
    expect(policy.onLoaded('signed-out', error)).toEqual({ action: 'sign-in-screen', error });
    expect(start).not.toHaveBeenCalled();
  });

  it('shows login_required as an error when no silent attempt was made (another app sent the user here)', () => {
    const { policy } = setUp('/callback');
    const error = refused('login_required');
    expect(policy.onLoaded('signed-out', error)).toEqual({ action: 'sign-in-screen', error });
  });

  it('never signs the user in again by itself after they signed out, until they sign in', async () => {
    const { policy, start, reload } = setUp();
    policy.signedOut();
    expect(reload().onLoaded('signed-out', undefined)).toEqual({
      action: 'sign-in-screen',
      notice: 'You signed out.',
    });
    expect(reload().onLoaded('signed-out', undefined)).toEqual({
      action: 'sign-in-screen',
      notice: 'You signed out.',
    });
    expect(start).not.toHaveBeenCalled();

    await reload().signIn();
    expect(start.mock.calls).toEqual([[{ returnTo: '/' }]]);
    expect(reload().onLoaded('signed-out', undefined)).toEqual({ action: 'silent-sign-in' });
  });

  it('does not try after the session ended (the server refused the refresh token)', () => {
    const { policy, start } = setUp();
    expect(policy.onLoaded('ended', undefined)).toEqual({ action: 'sign-in-screen' });
    expect(start).not.toHaveBeenCalled();
  });

  it('returns home, not to the callback route, after a failed sign-in', async () => {
    const { policy, start } = setUp('/callback');
    await policy.signIn();
    policy.onLoaded('signed-out', undefined);
    expect(start.mock.calls).toEqual([[{ returnTo: '/' }], [{ prompt: 'none', returnTo: '/' }]]);
  });

  it('forgets a silent attempt that could not even start (discovery failed), so the next load tries again', async () => {
    const { policy, start, storage, reload } = setUp();
    start.mockRejectedValueOnce(new Error('discovery failed'));
    policy.onLoaded('signed-out', undefined);
    await start.mock.results[0]?.value.catch(() => {}); // after the policy's own handler of that rejection
    expect(storage.length).toBe(0);
    expect(reload().onLoaded('signed-out', undefined)).toEqual({ action: 'silent-sign-in' });
  });

  it('shows the sign-in screen with the error when a silent attempt cannot start (discovery failed), instead of "loading" forever', async () => {
    const { policy, start } = setUp();
    const failure = new Error('discovery failed');
    start.mockRejectedValueOnce(failure);
    const onFailed = vi.fn();
    expect(policy.onLoaded('signed-out', undefined, onFailed)).toEqual({ action: 'silent-sign-in' });
    expect(onFailed).not.toHaveBeenCalled();
    await start.mock.results[0]?.value.catch(() => {}); // after the policy's own handler of that rejection
    expect(onFailed.mock.calls).toEqual([[{ action: 'sign-in-screen', error: failure }]]);
  });

  it('keeps one mark in sessionStorage and never a token', () => {
    const { policy, storage } = setUp();
    policy.onLoaded('signed-out', undefined);
    expect(storage.length).toBe(1);
    expect(storage.getItem('tessera-example:sign-in')).toBe('silent');
  });
});
