// @vitest-environment jsdom
// PITFALLS-SIGNIN.md, bindings: "Token calls re-render the whole app" and "A background renew flips the
// status and unmounts the app", for the Vue plugin (the React ones are in packages/react/src/use-session.test.ts).
import { cleanup, render, screen } from '@testing-library/vue';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, watch } from 'vue';
import { setupAuthServer } from '../../core/test/session-support.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';
import { useTessera } from './use-tessera.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(cleanup);

/** Shows the status and counts its renders. */
function counting(counter: { renders: number }) {
  return defineComponent({
    setup() {
      const { status } = useSession();
      return () => {
        counter.renders += 1;
        return h('p', null, status.value);
      };
    },
  });
}

describe('the Vue session through token calls and refreshes', () => {
  it('10 token calls on an unchanged session, and a refresh that fails transiently, add no render and no new snapshot', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const counter = { renders: 0 };
    render(counting(counter), { global: { plugins: [tessera] } });
    expect(await screen.findByText('signed-in')).toBeTruthy();
    const before = { renders: counter.renders, session: tessera.session.value };
    const values = await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
    expect(new Set(values)).toEqual(new Set([tokens.peekTokens()?.accessToken]));
    // A manager event that changes nothing the snapshot shows (the set is kept after a 503).
    auth.failNextTokenRequests(1, { status: 503 });
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeTruthy();
    await Promise.resolve();
    expect(tessera.session.value).toBe(before.session);
    expect(counter.renders).toBe(before.renders);
    expect(auth.tokenRequestCount).toBe(1);
  });

  it('keeps status signed-in throughout a refresh: a synchronous watcher of the snapshot sees no other status', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const statuses: string[] = [];
    const Watcher = defineComponent({
      setup() {
        const { status } = useSession();
        const { session } = useTessera();
        // Every snapshot the plugin shows, as it is set (`flush: 'sync'`), by its status.
        watch(session, (value) => void statuses.push(value.status), { flush: 'sync' });
        return () => h('p', null, status.value);
      },
    });
    render(Watcher, { global: { plugins: [tessera] } });
    expect(await screen.findByText('signed-in')).toBeTruthy();
    const before = tessera.session.value.tokens?.accessToken;
    statuses.length = 0; // loading, then signed-in: the page load
    clock.advance(3_600_000);
    await tokens.getAccessToken();
    expect(auth.tokenRequestCount).toBe(1);
    expect(tessera.session.value.tokens?.accessToken).not.toBe(before);
    expect(tessera.session.value.status).toBe('signed-in');
    // One new snapshot (the new set), signed-in like every one before it.
    expect(statuses).toEqual(['signed-in']);
  });
});
