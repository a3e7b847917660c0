import type { SenderConstraint } from './sender-constraint.js';

/**
 * Checks the `senderConstraint` option of a transport: `undefined`, or an object with a `scheme`
 * and the methods of {@link SenderConstraint} the transports call (`authorize`, `rebind`,
 * `isNonceReplay`, `checkUse`). Without the option, the manager's own `senderConstraint` applies.
 * The rules of its use — never beside a `scheme` option, never another than the manager's — are the
 * constraint's `checkUse` (`checkConstraintUse`): an app without a constraint carries only this
 * shape check (decision 1208).
 * @param manager the `senderConstraint` of the transport's `TokenManager`.
 * @throws {TypeError} anything else, or what `checkUse` throws.
 */
export function checkSenderConstraint(
  options: { senderConstraint?: unknown; scheme?: unknown },
  where: string,
  manager?: SenderConstraint | undefined,
): SenderConstraint | undefined {
  const value = options.senderConstraint ?? manager;
  if (value === undefined) return undefined;
  const candidate = value as Partial<Record<keyof SenderConstraint, unknown>> | null;
  if (
    typeof candidate?.scheme !== 'string' ||
    typeof candidate.authorize !== 'function' ||
    typeof candidate.rebind !== 'function' ||
    typeof candidate.isNonceReplay !== 'function' ||
    typeof candidate.checkUse !== 'function'
  ) {
    throw new TypeError(
      `${where}: senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop`,
    );
  }
  (value as SenderConstraint).checkUse(options, where, manager);
  return value as SenderConstraint;
}
