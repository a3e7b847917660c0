import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import type { RefreshLock } from '../refresh-lock.js';
import { webLocksLock } from './web-locks-lock.js';

/** A promise whose settling the test controls. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Lets granted callbacks and settled promises run (microtasks only; no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('webLocksLock', () => {
  it('runs one task at a time per lock name, the next as soon as the holder finishes', async () => {
    const fake = fakeLockManager();
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: fake.locks });
    const first = deferred<string>();
    const started: string[] = [];

    const a = lock.run('tessera:x', async () => {
      started.push('a');
      return first.promise;
    });
    const b = lock.run('tessera:x', async () => {
      started.push('b');
      return 'b';
    });
    const other = lock.run('tessera:y', async () => {
      started.push('other');
      return 'other';
    });
    await settle();

    expect(started).toEqual(['a', 'other']);
    expect(fake.held()).toEqual(['app/tessera:x']);
    expect(fake.pending()).toEqual(['app/tessera:x']);
    first.resolve('a');
    expect(await Promise.all([a, b, other])).toEqual(['a', 'b', 'other']);
    expect(started).toEqual(['a', 'other', 'b']);
    await settle(); // callers resume a few microtasks before the lock is released
    expect(fake.held()).toEqual([]);
  });

  it('clears its timer as soon as the lock is granted', async () => {
    vi.useFakeTimers();
    const fake = fakeLockManager();
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: fake.locks });
    const gate = deferred();

    const running = lock.run('k', () => gate.promise);
    await settle();

    expect(fake.held()).toEqual(['app/k']);
    expect(vi.getTimerCount()).toBe(0);
    gate.resolve();
    await running;
  });

  it('runs the task without the lock after the timeout when the lock is never granted', async () => {
    vi.useFakeTimers();
    const fake = fakeLockManager({ grants: false });
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: fake.locks });
    const task = vi.fn(async () => 'token');

    const running = lock.run('k', task);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(task).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);

    expect(await running).toBe('token');
    expect(task).toHaveBeenCalledTimes(1);
    expect(fake.pending()).toEqual([]);
  });

  it('stops waiting after the timeout even when the browser ignores the abort, and releases a late grant at once', async () => {
    vi.useFakeTimers();
    const fake = fakeLockManager({ honoursSignal: false });
    const lock = webLocksLock({ prefix: 'app', timeout: 5_000, locks: fake.locks });
    const holder = deferred();
    const held = lock.run('k', () => holder.promise);
    const task = vi.fn(async () => 'token');

    const running = lock.run('k', task);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await running).toBe('token');
    expect(fake.pending()).toEqual(['app/k']);

    holder.resolve();
    await held;
    await settle();
    expect(task).toHaveBeenCalledTimes(1);
    expect(fake.held()).toEqual([]);
    expect(fake.pending()).toEqual([]);
  });

  it('stops waiting when the signal aborts: rejects with its reason, clears the timer, withdraws the request, never runs the task', async () => {
    vi.useFakeTimers();
    const fake = fakeLockManager({ grants: false });
    const lock = webLocksLock({ prefix: 'app', timeout: undefined, locks: fake.locks });
    const controller = new AbortController();
    const task = vi.fn(async () => 'token');

    const running = lock.run('k', task, { maxWait: 44_000, signal: controller.signal });
    const outcome = running.catch((error: unknown) => error);
    await settle();
    expect(fake.pending()).toEqual(['app/k']);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('disposed'));

    expect(await outcome).toEqual(new Error('disposed'));
    expect(vi.getTimerCount()).toBe(0);
    expect(fake.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(task).not.toHaveBeenCalled();
  });

  it('ignores the signal once the lock is granted, and rejects at once without asking for the lock when it is already aborted', async () => {
    const fake = fakeLockManager();
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: fake.locks });
    const controller = new AbortController();
    const gate = deferred<string>();
    const running = lock.run('k', () => gate.promise, { signal: controller.signal });
    await settle();
    controller.abort(new Error('disposed'));
    gate.resolve('token');
    expect(await running).toBe('token');

    const task = vi.fn(async () => 'token');
    await expect(lock.run('k', task, { signal: controller.signal })).rejects.toEqual(new Error('disposed'));
    expect(task).not.toHaveBeenCalled();
    expect(fake.requested).toEqual(['app/k']);
  });

  it('waits a timeout above 2^31−1 ms for 2^31−1 ms instead of giving up at once (timer overflow)', async () => {
    vi.useFakeTimers();
    const fake = fakeLockManager({ grants: false });
    const lock = webLocksLock({ prefix: 'app', timeout: 3_000_000_000, locks: fake.locks });
    const task = vi.fn(async () => 'token');

    const running = lock.run('k', task);
    await vi.advanceTimersByTimeAsync(2 ** 31 - 2);
    expect(task).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(await running).toBe('token');
  });

  it('runs the task at once when Web Locks are missing', async () => {
    vi.useFakeTimers();
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: undefined });

    expect(await lock.run('k', async () => 'token')).toBe('token');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs the task without the lock when the browser refuses the request', async () => {
    const refusing = (error: () => unknown) =>
      ({ request: error, query: async () => ({}) }) as unknown as LockManager;
    const securityError = new DOMException('Access denied', 'SecurityError');
    const throwing = webLocksLock({
      prefix: 'app',
      timeout: 10_000,
      locks: refusing(() => {
        throw securityError;
      }),
    });
    const rejecting = webLocksLock({
      prefix: 'app',
      timeout: 10_000,
      locks: refusing(() => Promise.reject(securityError)),
    });

    expect(await throwing.run('k', async () => 'thrown')).toBe('thrown');
    expect(await rejecting.run('k', async () => 'rejected')).toBe('rejected');
  });

  it('hands the task to the fallback lock, with the same name and options, when the browser refuses the request or Web Locks are missing', async () => {
    vi.useFakeTimers();
    const securityError = new DOMException('Access denied', 'SecurityError');
    const calls: unknown[][] = [];
    const fallback: RefreshLock = {
      run: (name, task, given) => {
        calls.push([name, given]);
        return task();
      },
    };
    const refused = (request: () => unknown) =>
      webLocksLock({
        prefix: 'app',
        timeout: 10_000,
        locks: { request, query: async () => ({}) } as unknown as LockManager,
        fallback,
      });
    const options = { maxWait: 60_000 };
    const task = vi.fn(async () => 'token');

    expect(await refused(() => Promise.reject(securityError)).run('k', task, options)).toBe('token');
    expect(
      await refused(() => {
        throw securityError;
      }).run('k', task, options),
    ).toBe('token');
    expect(
      await webLocksLock({ prefix: 'app', timeout: 10_000, locks: undefined, fallback }).run('k', task),
    ).toBe('token');

    expect(calls).toEqual([
      ['k', options],
      ['k', options],
      ['k', undefined],
    ]);
    expect(task).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the task's error and releases the lock for the next task", async () => {
    const fake = fakeLockManager();
    const lock = webLocksLock({ prefix: 'app', timeout: 10_000, locks: fake.locks });
    const failure = new Error('token endpoint down');
    const task = vi.fn(async () => {
      throw failure;
    });

    await expect(lock.run('k', task)).rejects.toBe(failure);
    expect(await lock.run('k', async () => 'next')).toBe('next');
    expect(task).toHaveBeenCalledTimes(1);
    await settle();
    expect(fake.held()).toEqual([]);
  });
});
