import { TesseraError } from './tessera-error.js';

/**
 * A transport configured with a `senderConstraint` (DPoP) got a token set of another type, e.g.
 * `Bearer`: the request is not sent, because a token bound to a key is never sent as `Bearer` and
 * a bearer token must not pretend to be bound. Configure the manager with `tokenTypes: ['DPoP']` so
 * that such a set is refused where it arrives.
 */
export class TokenTypeMismatchError extends TesseraError {
  /** The token type the transport sends (`DPoP`). */
  readonly expected: string;
  /** The token set's type (an auth-scheme: safe to show). */
  readonly received: string;

  constructor(expected: string, received: string, where: string) {
    super(
      'TOKEN_TYPE_MISMATCH',
      `The token set's type is "${received.slice(0, 32)}" but the transport sends ${expected}-bound requests: request not sent — ${where}`,
    );
    this.name = 'TokenTypeMismatchError';
    this.expected = expected;
    this.received = received.slice(0, 32);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), expected: this.expected, received: this.received };
  }
}
