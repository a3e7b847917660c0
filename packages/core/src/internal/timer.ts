/**
 * `setTimeout` with `ms` clamped to 2^31−1 (about 24.8 days), the one place every timer of core
 * goes through: a longer `timeout`, backoff, `Retry-After` cap or lock wait then waits 24.8 days
 * instead of firing at once (docs/decisions/0004).
 */
export function startTimer(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  // The longest delay `setTimeout` takes: Node and browsers fire a longer one after about 1 ms.
  return setTimeout(callback, Math.min(ms, 2 ** 31 - 1));
}

/** Lets a Node process exit while only `timer` is pending (a no-op in browsers). */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * The retry wait of one refresh: unref'd while nobody waits for the refresh (the background timer
 * started it, or every caller that joined it aborted), so it never keeps a Node process alive for
 * nobody; referenced while `held` (docs/decisions/0004).
 */
export interface Waits {
  /** How many callers wait for the refresh: `Infinity` once one without a signal did (it never stops). */
  held: number;
  /** The last wait started. */
  timer?: ReturnType<typeof setTimeout>;
  /** The refresh these callers were handed over to, whose waits count them too (a refresh started meanwhile). */
  next?: Waits | undefined;
}

/**
 * `count` more callers wait (a negative one: stopped waiting): refs the pending wait, or unrefs it
 * when none wait; the same for the refresh they were handed over to.
 */
export function hold(waits: Waits | undefined, count: number): void {
  for (; waits; waits = waits.next) {
    const timer = waits.timer as { ref?: () => void; unref?: () => void } | undefined;
    waits.held += count;
    waits.held ? timer?.ref?.() : timer?.unref?.();
  }
}
