import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundRefresh } from './background-refresh.js';
import { AbortError } from './errors/abort-error.js';
import { HttpError } from './errors/http-error.js';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

// Decision 0004: a wait with nobody behind it (a background refresh's retry) never keeps a Node
// process alive; one a caller waits for does, or a script awaiting a token exits mid-retry (code 13).

let managers: TokenManager[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const created of managers) created.dispose();
  managers = [];
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A manager whose first token lives 1 h and whose background refresh (at 59 min) gets HTTP 503 `Retry-After: 3600`. */
function refusedInBackground() {
  let requests = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    requests += 1;
    if (requests === 2) throw new HttpError(503, 'POST /token', 3_600_000);
    return { access_token: `at-${requests}`, expires_in: 3600 };
  });
  const events: TokenEvent[] = [];
  const tokens = new TokenManager({
    fetchTokens,
    refreshInBackground: backgroundRefresh(),
    refreshMargin: 60_000,
  });
  managers.push(tokens);
  tokens.subscribe((event) => events.push(event));
  return { tokens, fetchTokens, events, timersOf: watchTimers() };
}

/** From now on, the timers started for `delay` ms so far. */
function watchTimers(): (delay: number) => NodeJS.Timeout[] {
  const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
  return (delay) =>
    setTimeoutSpy.mock.calls.flatMap(([, ms], i) =>
      ms === delay ? [setTimeoutSpy.mock.results[i]?.value as NodeJS.Timeout] : [],
    );
}

describe('retry waits and the lifetime of a Node process', () => {
  it('lets the process exit while a background refresh waits on Retry-After: 3600 (its timer is unref’d)', async () => {
    const { tokens, fetchTokens, events, timersOf } = refusedInBackground();
    expect(await tokens.getAccessToken()).toBe('at-1');
    await vi.advanceTimersByTimeAsync(3_600_000 - 60_000); // the background refresh runs and is refused

    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(events.filter((event) => event.type === 'retrying').map((event) => event.delay)).toEqual([60_000]);
    // Retry-After capped by maxRetryAfter (60 s): the wait's timer, pending and unref'd.
    expect(timersOf(60_000).map((timer) => timer.hasRef())).toEqual([false]);
    expect(tokens.peekTokens()?.accessToken).toBe('at-1'); // the set is kept meanwhile

    await vi.advanceTimersByTimeAsync(60_000); // still retried when the process lives on
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    expect(tokens.peekTokens()?.accessToken).toBe('at-3');
  });

  it('keeps the process alive through that wait once a caller joins the background refresh', async () => {
    const { tokens, fetchTokens, timersOf } = refusedInBackground();
    await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(3_600_000 - 30_000); // refused 30 s ago; the set is due for callers too
    const [wait] = timersOf(60_000);
    expect(wait?.hasRef()).toBe(false);

    const callers = Array.from({ length: 200 }, () => tokens.getAccessToken());
    expect(wait?.hasRef()).toBe(true); // a script awaiting a token must not exit mid-retry
    await vi.advanceTimersByTimeAsync(29_999); // the callers joined the wait: nothing more is sent
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['at-3']));
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });

  it('lets the process exit again once every caller that joined the background refresh aborted', async () => {
    const { tokens, fetchTokens, timersOf } = refusedInBackground();
    await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(3_600_000 - 30_000);
    const [wait] = timersOf(60_000);
    const first = new AbortController();
    const second = new AbortController();
    // 150 callers on each of two signals: each signal's callers share one race.
    const callers = Array.from({ length: 300 }, (_, i) =>
      tokens.getAccessToken({ signal: (i % 2 ? first : second).signal }).catch((error: unknown) => error),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(true);

    first.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(true); // the callers of `second` still wait
    second.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(false); // nobody waits: the wait no longer keeps the process alive

    expect((await Promise.all(callers)).every((error) => error instanceof AbortError)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(30_000); // still retried while the process lives on
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    expect(tokens.peekTokens()?.accessToken).toBe('at-3');
  });

  it('keeps that wait held while a caller without a signal still waits, after the others aborted', async () => {
    const { tokens, timersOf } = refusedInBackground();
    await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(3_600_000 - 30_000);
    const [wait] = timersOf(60_000);
    const stopping = new AbortController();
    const aborted = tokens.getAccessToken({ signal: stopping.signal }).catch((error: unknown) => error);
    const waiting = tokens.getAccessToken();
    stopping.abort();
    expect(await aborted).toBeInstanceOf(AbortError);
    expect(wait?.hasRef()).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await waiting).toBe('at-3');
  });

  it('keeps the process alive through the Retry-After wait of a refresh a caller started', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(503, 'POST /token', 3_600_000))
      .mockResolvedValueOnce({ access_token: 'at-2', expires_in: 3600 });
    const tokens = new TokenManager({ fetchTokens, refreshInBackground: backgroundRefresh() });
    managers.push(tokens);
    const timersOf = watchTimers();
    const token = tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(timersOf(60_000).map((timer) => timer.hasRef())).toEqual([true]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await token).toBe('at-2');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });
});

describe('callers that joined a refresh another caller started', () => {
  it('let the process exit once they and the caller that started it aborted', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(new HttpError(503, 'POST /token', 3_600_000))
      .mockResolvedValueOnce({ access_token: 'at-2', expires_in: 3600 });
    const tokens = new TokenManager({ fetchTokens });
    managers.push(tokens);
    const timersOf = watchTimers();
    const starter = new AbortController();
    const joiner = new AbortController();
    const started = tokens.getAccessToken({ signal: starter.signal }).catch((error: unknown) => error);
    const joined = Array.from({ length: 200 }, () =>
      tokens.getAccessToken({ signal: joiner.signal }).catch((error: unknown) => error),
    );
    await vi.advanceTimersByTimeAsync(0);
    const [wait] = timersOf(60_000);
    expect(wait?.hasRef()).toBe(true);

    starter.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(true); // the joined callers still wait
    joiner.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(false);
    expect(await started).toBeInstanceOf(AbortError);
    expect((await Promise.all(joined)).every((error) => error instanceof AbortError)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('let the process exit once they aborted after their refresh handed over to one started meanwhile', async () => {
    let answer: (response: { access_token: string; expires_in: number }) => void = () => {};
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
      .mockRejectedValueOnce(new HttpError(503, 'POST /token', 3_600_000))
      .mockResolvedValueOnce({ access_token: 'at-3', expires_in: 3600 });
    const tokens = new TokenManager({ fetchTokens });
    managers.push(tokens);
    const timersOf = watchTimers();
    const first = new AbortController();
    const second = new AbortController();
    const firsts = tokens.getAccessToken({ signal: first.signal }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    // Signed out and in again (with a set already due) while the first refresh is in flight.
    void tokens.clear();
    void tokens.setTokens({ access_token: 'due', refresh_token: 'rt-due', expires_in: 0 });
    const seconds = tokens.getAccessToken({ signal: second.signal }).catch((error: unknown) => error);
    answer({ access_token: 'at-1', expires_in: 3600 });
    await vi.advanceTimersByTimeAsync(0);
    const [wait] = timersOf(60_000);
    expect(wait?.hasRef()).toBe(true);

    first.abort();
    second.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait?.hasRef()).toBe(false);
    expect(await firsts).toBeInstanceOf(AbortError);
    expect(await seconds).toBeInstanceOf(AbortError);
  });
});
