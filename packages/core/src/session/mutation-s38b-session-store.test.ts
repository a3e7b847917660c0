import { describe, expect, it } from 'vitest';
import { fakeSignIn, setupAuthServer, tabStorage } from '../../test/session-support.js';
import type { Session } from './session.js';
import { createSessionStore } from './session-store.js';

// Mutants of the outcome a session store leaves for the manager's next store (stop 38) that the tests beside it let live.
const { auth, manager } = setupAuthServer();

describe("the outcome a manager's next session store starts from", () => {
  it('is the one a listener is told of: a store created by that listener (a provider remounted at once) shows it too', async () => {
    const storage = tabStorage();
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const first = createSessionStore(tokens);
    let remounted: Session | undefined;
    const stop = first.subscribe(() => {
      if (first.getSnapshot().status !== 'ended' || remounted) return;
      const second = createSessionStore(tokens);
      void second.ready().then(() => {
        remounted = second.getSnapshot();
      });
    });
    await first.ready();
    storage.removeInOtherTab();
    await tokens.ready();
    await new Promise((resolve) => setImmediate(resolve));
    stop();
    expect(remounted).toEqual({ status: 'ended', error: undefined });
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('includes a failed startSignIn(): a store created after it shows signed-out with that error, not a bare signed-out', async () => {
    const tokens = manager();
    const failure = new Error('discovery failed');
    const signIn = fakeSignIn();
    signIn.start.mockRejectedValueOnce(failure);
    const first = createSessionStore(tokens, signIn);
    const stop = first.subscribe(() => {});
    await first.ready();
    first.startSignIn('/account');
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.getSnapshot()).toEqual({ status: 'signed-out', error: failure });
    stop();
    const second = createSessionStore(tokens, fakeSignIn());
    await second.ready();
    expect(second.getSnapshot()).toEqual({ status: 'signed-out', error: failure });
    expect(signIn.start).toHaveBeenCalledTimes(1);
  });
});
