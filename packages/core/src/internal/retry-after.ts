/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns milliseconds from `now`, never negative, or `undefined` when absent or unreadable: delay-seconds at most
 * 2^31 s; an HTTP-date's delay as it is, finite (`Date.parse` reads no year past 275760). And the HTTP-date's time
 * (epoch ms), if that is the form, for a judge with a clock of its own (`retryDates`).
 */
export function parseRetryAfter(
  header: string | null,
  now: number,
): [number | undefined, number | undefined] {
  const value = header?.trim() ?? '';
  // A delay too long to hold counts as 2^31 s (~68 years), as RFC 9111 §1.2.2 has caches read an overlong
  // delta-seconds: still "wait long" (the manager waits `maxRetryAfter`), and finite in messages and JSON.
  if (/^\d+$/.test(value)) return [Math.min(Number(value), 2 ** 31) * 1000, undefined];
  // Every HTTP-date opens with the day's name (RFC 9110 §5.6.7); `Date.parse` alone reads far more,
  // e.g. '3600.5' as a day in the year 3600.
  const date = /^[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? [undefined, undefined] : [Math.max(0, date - now), date];
}

/**
 * The `Retry-After` HTTP-date (epoch ms) of each error core made from an answer that had one: the manager
 * judges it by its own `clock`, as everything else, not by `Date.now()` (the errors' `retryAfter` is in ms
 * from `Date.now()`). The map itself, not wrappers (decision 0018, stop 33); `get` answers `undefined` for a
 * key that is not an object.
 */
export const retryDates = new WeakMap<object, number | undefined>();
