import { unrefTimer } from './with-timeout.js';

/** Longest delay `setTimeout` accepts. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;
/** Shortest wait before a background refresh; doubled while each refresh brings a set that is already due. */
const MIN_DELAY = 1_000;
/** Longest wait that doubling reaches. */
const MAX_FLOOR = 5 * 60_000;

/**
 * The opt-in background refresh of a `TokenManager`: one unref'd timer (it never keeps a Node
 * process alive), replaced on every `schedule`. A set that is already due (e.g. `expires_in: 0`)
 * must not start a refresh loop, so the wait is at least a floor of 1 s that doubles, up to 5 min,
 * while the due time keeps being closer than the floor, and falls back to 1 s once it is not.
 */
export class BackgroundRefresh {
  readonly #onDue: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #floor = MIN_DELAY;

  /** @param onDue runs when the timer fires. */
  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /** Whether a timer is set. */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Replaces the timer with one firing at `dueAt` (epoch ms), or after the floor if that is sooner. */
  schedule(dueAt: number, now: number): void {
    this.stop();
    if (dueAt === Number.POSITIVE_INFINITY) return;
    let delay = dueAt - now;
    if (delay >= this.#floor) {
      this.#floor = MIN_DELAY;
    } else {
      delay = this.#floor;
      this.#floor = Math.min(this.#floor * 2, MAX_FLOOR);
    }
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#onDue();
      },
      Math.min(delay, MAX_TIMER_DELAY),
    );
    unrefTimer(this.#timer);
  }

  /** Clears the timer, if any. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
