import { TokenTypeMismatchError } from '../errors/token-type-mismatch-error.js';
import { describeRequest } from '../internal/describe-request.js';
import type { TokenSet } from '../token-set.js';
import { authorizationScheme } from './authorization-scheme.js';
import type { SenderConstraint } from './sender-constraint.js';

/** The headers of one sender-constrained send. */
export interface SenderConstrainedHeaders {
  /** `DPoP <token>`: the token header's value. */
  authorization: string;
  /** The proof headers (`{ DPoP: proof }`), to set beside it and to pass to `isNonceChallenge`. */
  proof: Record<string, string>;
}

/**
 * The auth headers of one send with a `senderConstraint`, built from one token set in one step: the
 * scheme from the set's `tokenType`, and a fresh proof whose `ath` is the hash of that set's token.
 * The transports call it for every send, replays included.
 *
 * @throws {TokenTypeMismatchError} the set's type is not the constraint's scheme (e.g. `Bearer`).
 */
export async function senderConstrainedHeaders(
  constraint: SenderConstraint,
  set: TokenSet,
  method: string,
  url: string,
): Promise<SenderConstrainedHeaders> {
  const scheme = authorizationScheme(set.tokenType);
  if (scheme.toLowerCase() !== constraint.scheme.toLowerCase()) {
    throw new TokenTypeMismatchError(constraint.scheme, scheme, describe(method, url));
  }
  const proof = await constraint.headersFor({ method, url, accessToken: set.accessToken });
  return { authorization: `${constraint.scheme} ${set.accessToken}`, proof };
}

/** `METHOD origin+path`, without userinfo, query or fragment. */
function describe(method: string, url: string): string {
  try {
    return describeRequest(method.toUpperCase(), new URL(url));
  } catch {
    return method.toUpperCase();
  }
}

/**
 * Checks a `senderConstraint` option: `undefined`, or an object with `scheme: 'DPoP'` and the three
 * methods of {@link SenderConstraint}.
 * @throws {TypeError} anything else.
 */
export function checkSenderConstraint(value: unknown, where: string): SenderConstraint | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<Record<keyof SenderConstraint, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.scheme !== 'string' ||
    typeof candidate.headersFor !== 'function' ||
    typeof candidate.learn !== 'function' ||
    typeof candidate.isNonceChallenge !== 'function'
  ) {
    throw new TypeError(
      `${where}: senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop`,
    );
  }
  return value as SenderConstraint;
}
