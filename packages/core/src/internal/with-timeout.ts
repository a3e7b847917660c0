import { TimeoutError } from '../errors/timeout-error.js';
import { answers } from './timeout-answer.js';
import { startTimer } from './timer.js';

/**
 * Runs `task` with its own `AbortSignal` and settles with whichever comes first: the task's outcome,
 * `parent` aborting (rejects with `onAbort(parent.reason)`), or `timeout` ms passing (rejects with
 * `onTimeout()`) — even if `task` ignores its signal, which is then aborted with that error. A
 * `parent` that is already aborted rejects at once, without starting `task`. The one abort and
 * timeout rule of core: the manager's attempts, OAuth endpoint requests and callers' signals.
 * The timer is cleared as soon as the race settles; while it runs, it keeps a Node process alive
 * on purpose: a caller is waiting for the result.
 *
 * @param timeout ms; `undefined` or `Infinity` for none; above 2^31−1 it is clamped to that (`startTimer`).
 */
/** The signal of tasks that nothing can abort, made on first use. */
let unabortable: AbortSignal | undefined;

export function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  parent: AbortSignal | undefined,
  onAbort: (reason: unknown) => unknown,
  timeout?: number,
  onTimeout?: () => unknown,
): Promise<T> {
  const timed = (timeout as number) < Infinity;
  // Nothing can abort it: one shared signal that never aborts. An `AbortController` per call is not
  // free (Node makes its signal transferable), and every caller joining a refresh comes this way.
  if (!parent && !timed) {
    unabortable ??= new AbortController().signal;
    return task(unabortable);
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Set before anything can call `stop`: the executor runs at once.
  let fail: (error: unknown) => void;
  const stop = (): void => fail(onAbort(parent?.reason));
  return new Promise<T>((resolve, reject) => {
    fail = (error) => {
      controller.abort(error);
      // Listeners ran synchronously: a request the manager's timeout cut short may have named itself.
      reject(error instanceof TimeoutError ? (answers.get(error) ?? error) : error);
    };
    if (parent?.aborted) return stop();
    parent?.addEventListener('abort', stop, { once: true });
    if (timed) timer = startTimer(() => fail(onTimeout?.()), timeout as number);
    task(controller.signal).then(resolve, reject);
  }).finally(() => {
    clearTimeout(timer);
    parent?.removeEventListener('abort', stop);
  });
}
