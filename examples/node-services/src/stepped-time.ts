import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { StoryClock } from './story-clock.js';

/**
 * A clock that stands still until `sleep(ms)` moves it `ms` ahead (then lets pending I/O run): a
 * story on it gets the same token requests, refreshes and 401s however slow the machine is.
 * @param start epoch ms to start at. @default Date.now()
 */
export function steppedTime(start = Date.now()): StoryClock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await yieldToEventLoop();
    },
  };
}
