import { startTimer, unrefTimer } from './internal/timer.js';

/** Shortest wait before a background refresh; doubled while each refresh brings a set that is already due. */
const MIN_DELAY = 1_000;
/**
 * Longest wait that doubling reaches: 5 min, one literal (the built file keeps `5 * 60_000` as `5 * 6e4`, an
 * expression a bundler does not drop, so every app without `backgroundRefresh` carried it).
 */
const MAX_FLOOR = 300_000;

/** One manager's background timer, created by a `BackgroundRefresh`. */
export interface RefreshScheduler {
  /** Replaces the timer with one that calls `onDue` at `dueAt` (epoch ms) or later. */
  schedule(dueAt: number, now: number): void;
  /** Clears the timer, if any. */
  stop(): void;
  /** Whether a timer is set. */
  readonly scheduled: boolean;
}

/** The `refreshInBackground` option: creates one manager's scheduler; `onDue` runs when it fires. */
export type BackgroundRefresh = (onDue: () => void) => RefreshScheduler;

/**
 * Refreshes a `TokenManager`'s tokens in the background shortly before they expire, instead of on
 * the next call: pass `refreshInBackground: backgroundRefresh()`. An app that does not import it
 * does not ship it.
 *
 * One unref'd timer per manager (it never keeps a Node process alive), replaced on every new set.
 * A set that is already due (e.g. `expires_in: 0`) must not start a refresh loop, so the wait is at
 * least a floor of 1 s that doubles, up to 5 min, while the due time keeps being closer than the
 * floor, and falls back to 1 s once it is not (docs/decisions/0004).
 *
 * @example
 * new TokenManager({ fetchTokens, refreshInBackground: backgroundRefresh() });
 */
export function backgroundRefresh(): BackgroundRefresh {
  return (onDue) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let floor = MIN_DELAY;
    const scheduler: RefreshScheduler = {
      get scheduled() {
        return timer !== undefined;
      },
      schedule(dueAt, now) {
        scheduler.stop();
        if (dueAt === Number.POSITIVE_INFINITY) return;
        let delay = dueAt - now;
        if (delay >= floor) {
          floor = MIN_DELAY;
        } else {
          delay = floor;
          floor = Math.min(floor * 2, MAX_FLOOR);
        }
        timer = startTimer(() => {
          timer = undefined;
          onDue();
        }, delay);
        unrefTimer(timer);
      },
      stop() {
        clearTimeout(timer);
        timer = undefined;
      },
    };
    return scheduler;
  };
}
