import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The time the demo's services go by: the `iat`/`exp` auth stamps into access tokens, when
 * inventory deems a token expired, when orders and shipping refresh theirs, and the pauses of the
 * steady traffic. The demo runs on `realTime`; its tests on `steppedTime()`, so that no count of
 * the story depends on how fast the machine is.
 */
export interface StoryClock {
  /** The current time, epoch ms. */
  now(): number;
  /** Resolves once `ms` have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock: `Date.now()` and real pauses. */
export const realTime: StoryClock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};
