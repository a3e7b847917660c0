import type { TimeoutError } from '../errors/timeout-error.js';

/**
 * A timeout the manager imposes is reported by the request it cut short. The manager knows no
 * endpoint (`fetchTokens` is injected): it aborts `fetchTokens`'s signal with a `TimeoutError` that
 * names only `fetchTokens`. The exchange sending on that signal hears the abort synchronously and
 * records here a `TimeoutError` naming its request (`POST https://…/token`); the manager then rejects
 * with that one. A custom `fetchTokens` that sends nothing through core leaves the manager's own.
 * Keyed by the manager's `TimeoutError`; the exchange `set`s the answer, `withTimeout` `get`s it (the map
 * itself is exported, not wrappers: decision 0018, stop 33).
 */
export const answers = new WeakMap<TimeoutError, TimeoutError>();
