import { OAuthError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { fakeSignIn, setupAuthServer, tabStorage, trackSubscriptions } from '../../test/session-support.js';
import { createSessionStore } from './session-store.js';

const { auth, clock, manager } = setupAuthServer();

const denied = () => new OAuthError({ error: 'access_denied', status: 302 }, 'authorization response');

/** A store whose callback failed with `error`, shown, then unmounted (its last listener left). */
async function failedAndUnmounted(tokens: ReturnType<typeof manager>, error: unknown) {
  const store = createSessionStore(
    tokens,
    fakeSignIn(async () => ({ status: 'error', error })),
  );
  const stop = store.subscribe(() => {});
  await store.ready();
  expect(store.getSnapshot()).toEqual({ status: 'signed-out', error });
  stop();
}

describe('the outcome a manager keeps for its next session store (second reading, stop 38)', () => {
  it('a sign-in in another tab heard while no store listened: the next store shows the live session, not the old error; its end shows no old error', async () => {
    const storage = tabStorage();
    const listeners = new Set<(value: unknown) => void>();
    const tokens = manager({
      storage: {
        ...storage,
        subscribe: (onChange) => {
          listeners.add(onChange);
          return storage.subscribe?.(onChange) ?? (() => {});
        },
      },
    });
    await tokens.ready();
    await failedAndUnmounted(tokens, denied());
    const issued = await auth.issueTokens();
    const set = {
      accessToken: issued.access_token,
      tokenType: 'Bearer',
      refreshToken: issued.refresh_token,
      expiresAt: clock.now() + 3600_000,
    };
    // Another tab signs in: its set stored and heard here.
    await storage.set(set);
    for (const onChange of listeners) onChange(set);
    expect(tokens.peekTokens()?.accessToken).toBe(issued.access_token);
    const next = createSessionStore(tokens);
    next.subscribe(() => {});
    await next.ready();
    expect(next.getSnapshot()).toMatchObject({ status: 'signed-in' });
    storage.removeInOtherTab();
    expect(next.getSnapshot()).toEqual({ status: 'ended', error: undefined });
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('clear() while no store listened (a sign-out outside the provider): the next store shows signed-out without the old error', async () => {
    const tokens = manager();
    await tokens.ready();
    await failedAndUnmounted(tokens, denied());
    await tokens.clear();
    const next = createSessionStore(tokens);
    await next.ready();
    expect(next.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
  });

  it('one manager per request (SSR): a store over another manager starts from nothing', async () => {
    await failedAndUnmounted(manager(), denied());
    const next = createSessionStore(manager());
    await next.ready();
    expect(next.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
  });

  it('a session signed in and refused (invalid_grant) while no store listened: the next store shows ended with that refusal, not the old error', async () => {
    const tokens = manager();
    await tokens.ready();
    await failedAndUnmounted(tokens, denied());
    await tokens.setTokens(await auth.issueTokens());
    auth.revokeAll();
    clock.advance(3_600_000);
    const refused = await tokens.getAccessToken().catch((error: unknown) => error);
    expect(refused).toMatchObject({ error: 'invalid_grant' });
    const next = createSessionStore(tokens);
    await next.ready();
    expect(next.getSnapshot()).toEqual({ status: 'ended', error: refused });
    expect(auth.tokenRequestCount).toBe(1);
  });

  it('a remounted store leaves the manager one subscription: the one that kept following it ends', async () => {
    const tokens = manager();
    await tokens.ready();
    const counts = trackSubscriptions(tokens);
    await failedAndUnmounted(tokens, denied());
    await failedAndUnmounted(tokens, denied());
    expect(counts.active()).toBe(1);
    const stop = createSessionStore(tokens).subscribe(() => {});
    expect(counts.active()).toBe(1);
    stop();
    expect(counts.active()).toBe(1); // the last store's outcome kept: it follows
    const last = createSessionStore(tokens);
    last.subscribe(() => {});
    await tokens.clear();
    expect(last.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
    expect(counts.active()).toBe(1);
  });

  it('a store subscribed again after its last listener left (StrictMode), with two listeners, still hears the manager', async () => {
    const tokens = manager();
    await tokens.ready();
    const store = createSessionStore(
      tokens,
      fakeSignIn(async () => ({ status: 'error', error: denied() })),
    );
    store.subscribe(() => {})();
    await store.ready();
    store.subscribe(() => {})(); // its outcome kept: it follows the manager
    store.subscribe(() => {});
    store.subscribe(() => {});
    const other = createSessionStore(tokens);
    other.subscribe(() => {});
    await tokens.clear();
    expect(store.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
    expect(other.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
  });
});
