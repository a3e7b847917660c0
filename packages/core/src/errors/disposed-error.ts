import { TesseraError } from './tessera-error.js';

/** The `TokenManager` was disposed; create a new one. Callers waiting at dispose time get it too. */
export class DisposedError extends TesseraError {
  constructor() {
    super('DISPOSED', 'The TokenManager was disposed');
    this.name = 'DisposedError';
  }
}
