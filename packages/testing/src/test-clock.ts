import { shown } from './assert-known-options.js';

/** A clock that moves only when a test moves it. */
export interface TestClock {
  /** The current time as epoch ms. Bound, so `clock: testClock.now` works as a `TokenManager` clock. */
  readonly now: () => number;
  /** Moves the clock forward by `ms` milliseconds (negative moves it back). */
  advance(ms: number): void;
  /** Sets the clock to `ms`, epoch milliseconds. */
  set(ms: number): void;
}

/**
 * Creates a clock for `createAuthServer({ clock })` and `new TokenManager({ clock })`, so a test
 * can expire tokens without waiting.
 *
 * @param start epoch ms to start at. @default Date.now() at creation
 * @example
 * const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.advance(300_000); // five minutes later
 */
export function createTestClock(start: number = Date.now()): TestClock {
  let current = start;
  assertFinite(start);
  return {
    now: () => current,
    advance(ms: number): void {
      assertFinite(ms);
      current += ms;
    },
    set(ms: number): void {
      assertFinite(ms);
      current = ms;
    },
  };
}

function assertFinite(ms: number): void {
  if (!Number.isFinite(ms))
    throw new TypeError(`Expected a finite number of milliseconds, got ${shown(ms)}.`);
}
