import type { SenderConstraint } from './sender-constraint.js';

/**
 * Checks the `senderConstraint` option of a transport: `undefined`, or an object with a `scheme`
 * and the four methods of {@link SenderConstraint} the transports call; never beside a `scheme` option. Without the
 * option, the manager's own `senderConstraint` applies; with both, they must be the same object.
 * @param manager the `senderConstraint` of the transport's `TokenManager`.
 * @throws {TypeError} anything else.
 */
export function checkSenderConstraint(
  options: { senderConstraint?: unknown; scheme?: unknown },
  where: string,
  manager?: SenderConstraint | undefined,
): SenderConstraint | undefined {
  const value = options.senderConstraint ?? manager;
  if (value === undefined) return undefined;
  if (manager !== undefined && value !== manager) {
    throw new TypeError(
      `${where}: senderConstraint differs from the TokenManager's: its tokens are bound to the manager's key; leave the option out`,
    );
  }
  const candidate = value as Partial<Record<keyof SenderConstraint, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.scheme !== 'string' ||
    typeof candidate.authorize !== 'function' ||
    typeof candidate.rebind !== 'function' ||
    typeof candidate.learn !== 'function' ||
    typeof candidate.isNonceChallenge !== 'function'
  ) {
    throw new TypeError(
      `${where}: senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop`,
    );
  }
  if (options.scheme !== undefined) {
    throw new TypeError(
      `${where}: scheme cannot be combined with senderConstraint (the scheme is ${candidate.scheme})`,
    );
  }
  return value as SenderConstraint;
}
