/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns milliseconds from `now`, never negative, or `undefined` when absent or unreadable; and the
 * HTTP-date's time (epoch ms), if that is the form, for a judge with a clock of its own (`retryDateOf`).
 */
export function parseRetryAfter(
  header: string | null,
  now: number,
): [number | undefined, number | undefined] {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) return [Number(value) * 1000, undefined];
  // Every HTTP-date opens with the day's name (RFC 9110 §5.6.7); `Date.parse` alone reads far more,
  // e.g. '3600.5' as a day in the year 3600.
  const date = /^[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? [undefined, undefined] : [Math.max(0, date - now), date];
}

/** The HTTP-date of the `Retry-After` an error of this copy of core stands for (epoch ms). */
const dates = new WeakMap<object, number | undefined>();

/** Records that `error` came with a `Retry-After` HTTP-date `date`. */
export function recordRetryDate(error: object, date: number | undefined): void {
  dates.set(error, date);
}

/**
 * The `Retry-After` HTTP-date `error` came with, if core made it: the manager judges it by its own
 * `clock`, as everything else, not by `Date.now()` (its `retryAfter` in ms, from `Date.now()`).
 */
export function retryDateOf(error: unknown): number | undefined {
  // A WeakMap answers `undefined` for a key that is not an object.
  return dates.get(error as object);
}
