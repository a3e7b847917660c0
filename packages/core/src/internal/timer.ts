/** Longest delay `setTimeout` takes: Node and browsers fire a longer one after about 1 ms. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * `setTimeout` with `ms` clamped to 2^31−1 (about 24.8 days), the one place every timer of core
 * goes through: a longer `timeout`, backoff, `Retry-After` cap or lock wait then waits 24.8 days
 * instead of firing at once (docs/decisions/0004).
 */
export function startTimer(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  return setTimeout(callback, Math.min(ms, MAX_DELAY));
}

/** Lets a Node process exit while only `timer` is pending (a no-op in browsers). */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * The retry wait of one refresh: unref'd while nobody waits for the refresh (the background timer
 * started it), so it never keeps a Node process alive for nobody; referenced once `held` (docs/decisions/0004).
 */
export interface Waits {
  /** A caller waits for the refresh. */
  held: boolean;
  /** The last wait started. */
  timer?: ReturnType<typeof setTimeout>;
}

/** A caller waits from now on: refs the pending wait; later ones start referenced. */
export function hold(waits: Waits): void {
  waits.held = true;
  (waits.timer as { ref?: () => void } | undefined)?.ref?.();
}
