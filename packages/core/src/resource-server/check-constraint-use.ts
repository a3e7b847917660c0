import { NOT_A_SENDER_CONSTRAINT } from './check-sender-constraint.js';
import type { SenderConstraint } from './sender-constraint.js';

/**
 * The rules of giving a sender constraint (the option, else `manager`) to a transport or a
 * `TokenManager`, run by its `checkUse`:
 * - it has the members the transports call: `scheme`, `authorize`, `rebind`, `isNonceReplay`
 *   (`checkSenderConstraint` only asks for `checkUse`, so that an app without a constraint carries
 *   no more of the check);
 * - a transport's `senderConstraint` must be its manager's, when the manager has one (its tokens
 *   are bound to that key), and a `scheme` option cannot be combined with it;
 * - a manager's (`manager` is the option itself) must sign the token requests (`wrapFetch`), and
 *   `tokenTypes`, when given, must list its scheme: a constrained manager never takes a `Bearer` set.
 *
 * `createDPoP()` gives this as its `checkUse`, so only an app with a constraint carries it.
 *
 * @param options the transport's or the manager's options.
 * @param where who is checking, for the message, e.g. `withTokens()`.
 * @param manager the `senderConstraint` of the `TokenManager` the tokens come from.
 * @throws {TypeError} a rule broken.
 */
export function checkConstraintUse(
  options: { senderConstraint?: unknown; scheme?: unknown; tokenTypes?: readonly string[] | undefined },
  where: string,
  manager: SenderConstraint | undefined,
): void {
  // The object given, not the one `checkUse` belongs to: a copy (`{ ...dpop }`) is checked as itself.
  const constraint = (options.senderConstraint ?? manager) as SenderConstraint;
  if (
    typeof constraint.scheme !== 'string' ||
    typeof constraint.authorize !== 'function' ||
    typeof constraint.rebind !== 'function' ||
    typeof constraint.isNonceReplay !== 'function'
  ) {
    throw new TypeError(`${where}: ${NOT_A_SENDER_CONSTRAINT}`);
  }
  if (manager !== undefined && constraint !== manager) {
    throw new TypeError(
      `${where}: senderConstraint differs from the TokenManager's: its tokens are bound to the manager's key; leave the option out`,
    );
  }
  if (options.scheme !== undefined) {
    throw new TypeError(
      `${where}: scheme cannot be combined with senderConstraint (the scheme is ${constraint.scheme})`,
    );
  }
  const scheme = String(constraint.scheme).toLowerCase();
  if (
    manager &&
    (typeof constraint.wrapFetch !== 'function' ||
      options.tokenTypes?.every((type) => type.toLowerCase() !== scheme))
  ) {
    throw new TypeError(
      `${where}: "senderConstraint" must be createDPoP(), with tokenTypes left out or listing its scheme, got object`,
    );
  }
}
