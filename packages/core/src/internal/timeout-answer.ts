import type { TimeoutError } from '../errors/timeout-error.js';

/**
 * A timeout the manager imposes is reported by the request it cut short. The manager knows no
 * endpoint (`fetchTokens` is injected): it aborts `fetchTokens`'s signal with a `TimeoutError` that
 * names only `fetchTokens`. The exchange sending on that signal hears the abort synchronously and
 * records here a `TimeoutError` naming its request (`POST https://…/token`); the manager then rejects
 * with that one. A custom `fetchTokens` that sends nothing through core leaves the manager's own.
 */
const answers = new WeakMap<TimeoutError, TimeoutError>();

/** Records `answer` as the better-placed report of the manager's `timeout`. */
export function answerTimeout(timeout: TimeoutError, answer: TimeoutError): void {
  answers.set(timeout, answer);
}

/** The report of `timeout` by the request it cut short, else `timeout` itself. */
export function answeredTimeout(timeout: TimeoutError): TimeoutError {
  return answers.get(timeout) ?? timeout;
}
