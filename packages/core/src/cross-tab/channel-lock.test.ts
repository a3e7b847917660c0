import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { elapse, settleAll } from '../../test/fixtures/elapse.js';
import { immediateChannels } from '../../test/fixtures/immediate-channels.js';
import type { TrackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import { channelLock } from './channel-lock.js';

let channels: TrackedChannels;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  channels = immediateChannels();
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  channels.closeAll();
  vi.useRealTimers();
});

/** A tab's lock; `crash()` closes its channels without a word, as a closed or crashed tab does. */
function tab(timeout?: number) {
  const own: BroadcastChannel[] = [];
  const Base = channels.BroadcastChannel;
  class TabChannel extends Base {
    constructor(name: string) {
      super(name);
      own.push(this);
    }
  }
  const lock = channelLock({ prefix: 'p', timeout, BroadcastChannel: TabChannel });
  return {
    lock,
    crash: () => {
      for (const channel of own.splice(0)) channel.close();
    },
  };
}

const never = () => new Promise<never>(() => {});

describe('channelLock (no Web Locks)', () => {
  it.each([0, 30])('runs one task at a time across five tabs that ask %i ms apart', async (apart) => {
    const tabs = Array.from({ length: 5 }, () => tab());
    let running = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => setTimeout(resolve, 300)); // a token request
      running--;
      return 'done';
    };
    const runs: Promise<string>[] = [];
    for (const { lock } of tabs) {
      runs.push(lock.run('tessera:tessera', task, { maxWait: 60_000 }));
      if (apart) await elapse(apart); // the later ones claim while the first is still listening
    }
    const results = await settleAll(runs, 60_000);

    expect(results).toEqual(Array(5).fill({ status: 'fulfilled', value: 'done' }));
    expect(most).toBe(1);
  });

  it('passes over a holder whose tab closed mid-refresh within about a second, long before the wait ends', async () => {
    const holder = tab();
    const next = tab();
    void holder.lock.run('tessera:tessera', never, { maxWait: 60_000 });
    await elapse(200); // the holder took the lock
    const task = vi.fn(async () => 'ran');
    const run = next.lock.run('tessera:tessera', task, { maxWait: 60_000 });
    await elapse(3_000);
    expect(task).not.toHaveBeenCalled(); // a live holder is never overtaken

    holder.crash();
    await elapse(1_200);
    expect(await run).toBe('ran');
  });

  it('runs the task after the wait when a live holder never releases, and the holder is left alone', async () => {
    const holder = tab();
    const next = tab(5_000);
    void holder.lock.run('tessera:tessera', never);
    await elapse(200);
    let ran = false;
    const run = next.lock.run('tessera:tessera', async () => {
      ran = true;
    });
    await elapse(4_800);
    expect(ran).toBe(false);
    await elapse(200);
    await run;
    expect(ran).toBe(true);
    holder.crash();
  });

  it('releases the lock when the task fails: the next tab runs right after, long before the wait ends', async () => {
    const first = tab();
    const next = tab();
    const failure = new Error('token request failed');
    let fail!: () => void;
    const failing = first.lock.run(
      'tessera:tessera',
      () => new Promise<never>((_, reject) => (fail = () => reject(failure))),
      { maxWait: 60_000 },
    );
    await elapse(200);
    const task = vi.fn(async () => 'ran');
    const run = next.lock.run('tessera:tessera', task, { maxWait: 60_000 });
    await elapse(3_000);
    expect(task).not.toHaveBeenCalled();

    fail();
    await expect(failing).rejects.toBe(failure);
    await elapse(200); // the settle window after the release, not a reclaim
    expect(await run).toBe('ran');
  });

  it('stops waiting when the signal aborts: rejects with its reason, clears its timers, never runs the task', async () => {
    const holder = tab();
    const next = tab();
    void holder.lock.run('tessera:tessera', never);
    await elapse(200);
    const controller = new AbortController();
    const task = vi.fn(async () => 'ran');
    const run = next.lock.run('tessera:tessera', task, { signal: controller.signal, maxWait: 60_000 });
    await elapse(1_500);
    const reason = new Error('disposed');
    controller.abort(reason);

    await expect(run).rejects.toBe(reason);
    holder.crash();
    await elapse(2_000);
    expect(task).not.toHaveBeenCalled();
    expect(channels.open()).toBe(0);
  });

  it('ignores messages of another shape and a repeated release: one task at a time, long before the wait ends', async () => {
    const tabs = Array.from({ length: 3 }, () => tab());
    // A hostile same-origin script, or an older version of this code, posting on the lock channel every 50 ms, each message twice.
    const hostile = new channels.BroadcastChannel('p/locks');
    const lock = 'p/tessera:tessera';
    const garbage: unknown[] = [
      null,
      'claim',
      42,
      { lock },
      { lock, type: 'claim', id: 'h', at: 'soon' },
      { lock, type: 'claim', id: 'h', at: Number.NaN },
      { lock, type: 'claim', id: 7n, at: 7n },
      { lock, type: 'claim', at: -1 }, // no id
      { lock, type: 'held', at: 0 }, // no id
      { lock, type: 'unknown', id: 'h', at: 0 },
      { lock, type: 'released', id: 'h', at: 0 }, // a late copy of a release: no claim under way restarts
    ];
    let running = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => setTimeout(resolve, 300));
      running--;
      return 'done';
    };
    const runs = tabs.map(({ lock: tabLock }) => tabLock.run('tessera:tessera', task, { maxWait: 10_000 }));
    let settled = false;
    const all = Promise.all(runs).finally(() => {
      settled = true;
    });
    let waited = 0;
    for (; !settled; waited += 50) {
      for (const message of garbage) {
        hostile.postMessage(message);
        hostile.postMessage(message);
      }
      await elapse(50);
    }

    expect(await all).toEqual(Array(3).fill('done'));
    expect(most).toBe(1);
    expect(waited).toBeLessThan(2_000);
    hostile.close();
  });
});
