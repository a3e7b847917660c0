import type { SenderConstraint } from './sender-constraint.js';

/** What a transport says of a `senderConstraint` option that is not one. */
export const NOT_A_SENDER_CONSTRAINT =
  'senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop';

/**
 * Checks the `senderConstraint` option of a transport: `undefined` (then the manager's own
 * `senderConstraint` applies), or an object with a `checkUse`, which checks the rest: that it has
 * the members the transports call (`scheme`, `authorize`, `rebind`, `isNonceReplay`), and the rules
 * of its use — never beside a `scheme` option, never another than the manager's
 * (`checkConstraintUse`). An app without a constraint carries only this check (decision 1208).
 * @param manager the `senderConstraint` of the transport's `TokenManager`.
 * @throws {TypeError} anything else, or what `checkUse` throws.
 */
export function checkSenderConstraint(
  options: { senderConstraint?: unknown; scheme?: unknown },
  where: string,
  manager?: SenderConstraint | undefined,
): SenderConstraint | undefined {
  const value = (options.senderConstraint ?? manager) as SenderConstraint | undefined;
  if (value === undefined) return undefined;
  if (typeof (value as Partial<SenderConstraint> | null)?.checkUse !== 'function') {
    throw new TypeError(`${where}: ${NOT_A_SENDER_CONSTRAINT}`);
  }
  value.checkUse(options, where, manager);
  return value;
}
