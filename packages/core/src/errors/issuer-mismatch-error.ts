import { quotable } from '../internal/server-text.js';
import { TesseraError } from './tessera-error.js';

/**
 * The authorization response's `iss` (RFC 9207) is not the issuer the sign-in started with, or it is
 * missing although the server advertises `authorization_response_iss_parameter_supported`. This is
 * what a mix-up attack looks like. No token request was sent and the response's `error`, if any, was
 * not acted on. Sign in again; if it repeats, check the `issuer` option.
 */
export class IssuerMismatchError extends TesseraError {
  /** The issuer the sign-in started with. */
  readonly expected: string;
  /** The callback's `iss`, or `undefined` when it had none. */
  readonly received: string | undefined;

  constructor(expected: string, received: string | undefined) {
    const got = received === undefined ? 'no iss parameter' : `iss "${quotable(received)}"`;
    super('ISSUER_MISMATCH', `Sign-in callback rejected: expected iss "${expected}", got ${got} (RFC 9207)`);
    this.name = 'IssuerMismatchError';
    this.expected = expected;
    this.received = received;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), expected: this.expected, received: this.received };
  }
}
