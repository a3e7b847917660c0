import { TesseraError } from './tessera-error.js';

/**
 * The caller's `AbortSignal` fired. Only that caller is rejected; a shared token request goes on for
 * the others. `cause` is the signal's `reason`.
 */
export class AbortError extends TesseraError {
  constructor(reason?: unknown) {
    super('ABORTED', 'The operation was aborted by its AbortSignal', { cause: reason });
    this.name = 'AbortError';
  }
}
