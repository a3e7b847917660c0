/** Returns the current time as epoch milliseconds. Inject one in tests to control expiry. */
export type Clock = () => number;

/** The default clock: `Date.now`. */
export const systemClock: Clock = () => Date.now();
