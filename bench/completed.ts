import type { Task } from 'tinybench';

/**
 * The statistics of a tinybench task that completed. A task that errored rethrows its error (and
 * one aborted or not run throws), so a failing bench stops with the reason instead of printing NaN.
 */
export function completed(task: Task): Extract<Task['result'], { state: 'completed' }> {
  const { result } = task;
  if (result.state === 'completed') return result;
  if (result.state === 'errored') throw result.error;
  throw new Error(`bench task "${task.name}" did not complete: ${result.state}`);
}
