import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './with-timeout.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout (the one abort and timeout race of core)', () => {
  it('does not start the task when the parent signal is already aborted', async () => {
    const task = vi.fn(async () => 'done');
    const parent = AbortSignal.abort('gone');
    await expect(
      withTimeout(task, parent, (reason) => new Error(`aborted: ${reason}`), 1_000),
    ).rejects.toThrow('aborted: gone');
    expect(task).not.toHaveBeenCalled();
  });

  it('rejects with onTimeout() after timeout ms and aborts the task’s signal with that error', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const race = withTimeout(
      (signal) => {
        seen = signal;
        return new Promise<never>(() => {});
      },
      undefined,
      (reason) => reason,
      500,
      () => new Error('timed out'),
    );
    const outcome = race.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(499);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toEqual(new Error('timed out'));
    expect(seen?.reason).toEqual(new Error('timed out'));
  });

  it('rejects with onAbort(reason) when the parent aborts mid-flight, and removes its listener', async () => {
    const parent = new AbortController();
    const remove = vi.spyOn(parent.signal, 'removeEventListener');
    const race = withTimeout(
      () => new Promise<never>(() => {}),
      parent.signal,
      (reason) => new Error(`stopped: ${String(reason)}`),
    );
    parent.abort('user');
    await expect(race).rejects.toThrow('stopped: user');
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('clamps a timeout above 2^31−1 ms to that, instead of firing after 1 ms (timer overflow)', async () => {
    vi.useFakeTimers();
    const race = withTimeout(
      () => new Promise<never>(() => {}),
      undefined,
      (reason) => reason,
      3_000_000_000,
      () => new Error('timed out'),
    );
    const outcome = race.catch((error: unknown) => error);
    let settled = false;
    outcome.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(2 ** 31 - 2);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toEqual(new Error('timed out'));
  });

  it('settles like the task and clears its timer when the task wins', async () => {
    vi.useFakeTimers();
    const race = withTimeout(
      async () => 'value',
      undefined,
      (reason) => reason,
      10_000,
    );
    await expect(race).resolves.toBe('value');
    expect(vi.getTimerCount()).toBe(0);
  });
});
