import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError, isCancel } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { fakeApi, testClock } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  vi.restoreAllMocks();
});

/** `AbortSignal.any` as browsers have it (WebIDL): a TypeError for anything but a native `AbortSignal` (Node 20 takes it and never hears it). */
function strictAbortSignalAny(): void {
  const any = AbortSignal.any.bind(AbortSignal);
  vi.spyOn(AbortSignal, 'any').mockImplementation((signals) => {
    for (const signal of signals) {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError(
          "Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.",
        );
      }
    }
    return any(signals);
  });
}

/**
 * What axios accepts as `signal` (it reads `aborted` and calls `addEventListener`/`removeEventListener`)
 * without being a native `AbortSignal` of this realm: a polyfill's, another realm's (jsdom, an iframe).
 * `AbortSignal.any` refuses it with a TypeError.
 */
class SignalLike {
  aborted = false;
  reason: unknown;
  readonly listeners = new Set<() => void>();
  addEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.listeners.add(listener);
  }
  removeEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.listeners.delete(listener);
  }
  abort(reason: unknown = new Error('aborted')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    for (const listener of [...this.listeners]) listener();
  }
}

async function setup(respond?: Parameters<typeof fakeApi>[0]) {
  const gate = deferred<void>();
  const clock = testClock();
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens({ clock: clock.now, gate: gate.promise });
  managers.push(tokens);
  const instance = axios.create({ baseURL, adapter: api.adapter });
  attachTokenManager(instance, tokens);
  return { instance, tokens, fetchTokens, calls: api.calls, clock, gate };
}

/** The listeners axios's `CancelToken` holds (`subscribe`; `toAbortSignal` adds one). */
const subscribed = (token: unknown): number => (token as { _listeners?: unknown[] })._listeners?.length ?? 0;

describe('attachTokenManager: a signal that is not a native AbortSignal, with a CancelToken', () => {
  it('sends the request on the fresh path and on the refresh path (before, in browsers: a TypeError when refreshing)', async () => {
    strictAbortSignalAny();
    const { instance, fetchTokens, calls, clock, gate } = await setup();
    gate.resolve();
    const signal = new SignalLike();
    const cancelToken = axios.CancelToken.source().token;
    const options = { signal: signal as unknown as AbortSignal, cancelToken };

    expect((await instance.get('/fresh', options)).status).toBe(200);
    clock.advance(301_000); // at-0 expired: the request waits for the refresh
    expect((await instance.get('/refresh', options)).status).toBe(200);

    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => [call.url, call.authorization])).toEqual([
      [`${baseURL}|/fresh`, 'Bearer at-0'],
      [`${baseURL}|/refresh`, 'Bearer at-1'],
    ]);
    expect(signal.listeners.size).toBe(0);
    expect(subscribed(cancelToken)).toBe(0);
  });

  it('replays a 401 with the new token (before, in browsers: a TypeError instead of the replay)', async () => {
    strictAbortSignalAny();
    const { instance, fetchTokens, calls, gate } = await setup(({ authorization }) => ({
      status: authorization === 'Bearer at-0' ? 401 : 200,
    }));
    gate.resolve();
    const signal = new SignalLike();
    const cancelToken = axios.CancelToken.source().token;
    const response = await instance.get('/orders', { signal: signal as unknown as AbortSignal, cancelToken });
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(signal.listeners.size).toBe(0);
    expect(subscribed(cancelToken)).toBe(0);
  });

  it('rejects with CanceledError when the signal aborts while waiting for a token (before, in Node: pending until the refresh ended); others still get theirs', async () => {
    const { instance, fetchTokens, calls, clock, gate } = await setup();
    clock.advance(301_000);
    const signal = new SignalLike();
    const cancelToken = axios.CancelToken.source().token;
    const aborted = instance
      .get('/slow', { signal: signal as unknown as AbortSignal, cancelToken })
      .catch((error: unknown) => error);
    const other = instance.get('/orders');
    await Promise.resolve();
    signal.abort(new Error('user left'));
    const error = await aborted;
    expect(isCancel(error)).toBe(true);
    expect((error as AxiosError).cause).toMatchObject({ code: 'ABORTED' });
    expect(signal.listeners.size).toBe(0);
    expect(subscribed(cancelToken)).toBe(0);

    gate.resolve();
    await other;
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.url)).toEqual([`${baseURL}|/orders`]);
  });

  it('rejects with axios’s own Cancel when the CancelToken cancels while waiting; the signal keeps no listener', async () => {
    const { instance, fetchTokens, calls, clock, gate } = await setup();
    clock.advance(301_000);
    const signal = new SignalLike();
    const source = axios.CancelToken.source();
    const canceled = instance
      .get('/slow', { signal: signal as unknown as AbortSignal, cancelToken: source.token })
      .catch((error: unknown) => error);
    const other = instance.get('/orders');
    await Promise.resolve();
    let settled = false;
    void canceled.then(() => {
      settled = true;
    });
    source.cancel('navigated away');
    for (let i = 0; i < 50; i += 1) await Promise.resolve();
    expect(settled).toBe(true); // while the refresh still hangs
    const error = await canceled;
    expect(isCancel(error)).toBe(true);
    expect((error as Error).message).toBe('navigated away');
    expect(signal.listeners.size).toBe(0);

    gate.resolve();
    await other;
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.url)).toEqual([`${baseURL}|/orders`]);
  });

  it('leaves no listener on a long-lived signal (native or not) across hundreds of requests through refreshes', async () => {
    const { instance, fetchTokens, calls, clock, gate } = await setup();
    gate.resolve();
    const like = new SignalLike();
    const native = new AbortController().signal;
    let nativeListeners = 0;
    const add = native.addEventListener.bind(native);
    const remove = native.removeEventListener.bind(native);
    native.addEventListener = ((...args: Parameters<typeof add>) => {
      nativeListeners += 1;
      add(...args);
    }) as typeof add;
    native.removeEventListener = ((...args: Parameters<typeof remove>) => {
      nativeListeners -= 1;
      remove(...args);
    }) as typeof remove;
    for (let round = 0; round < 3; round += 1) {
      clock.advance(301_000);
      const batch = Array.from({ length: 100 }, (_, i) =>
        instance.get(`/o/${round}/${i}`, {
          signal: (i % 2 ? like : native) as AbortSignal,
          cancelToken: axios.CancelToken.source().token,
        }),
      );
      expect((await Promise.all(batch)).every((response) => response.status === 200)).toBe(true);
      expect([like.listeners.size, nativeListeners]).toEqual([0, 0]);
    }
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    expect(calls).toHaveLength(300);
    expect(calls.map((call) => call.authorization)).toEqual(
      [1, 2, 3].flatMap((n) => Array<string>(100).fill(`Bearer at-${n}`)),
    );
  });
});
