import { TimeoutError } from '../errors/timeout-error.js';
import { answeredTimeout } from './timeout-answer.js';

/**
 * Runs `task` with an `AbortSignal` that aborts after `timeout` ms or when `parent` aborts.
 * Rejects with `TimeoutError` when the time is up (the one the request cut short answered with, see
 * `timeout-answer.ts`, else one naming `where`), and with `parent.reason` when `parent` aborts —
 * even if `task` ignores its signal. The timer is cleared as soon as `task` settles; while it runs,
 * it keeps a Node process alive on purpose: a caller is waiting for the result.
 */
export async function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  timeout: number,
  where: string,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onParentAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onParentAbort = () => {
      controller.abort(parent?.reason);
      reject(parent?.reason);
    };
    if (parent?.aborted) return onParentAbort();
    parent?.addEventListener('abort', onParentAbort, { once: true });
    if (!Number.isFinite(timeout)) return;
    timer = setTimeout(() => {
      const error = new TimeoutError(timeout, where);
      controller.abort(error);
      // Listeners ran synchronously: the request cut short may have named itself.
      reject(answeredTimeout(error));
    }, timeout);
  });
  try {
    return await Promise.race([task(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}

/** Lets a Node process exit while the timer is pending; a no-op in browsers. */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}
