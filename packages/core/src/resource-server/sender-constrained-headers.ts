import { TokenTypeMismatchError } from '../errors/token-type-mismatch-error.js';
import { describeRequest } from '../internal/describe-request.js';
import type { TokenSet } from '../token-set.js';
import { authorizationScheme } from './authorization-scheme.js';
import type { SenderConstraint } from './sender-constraint.js';

/**
 * The auth headers of one send with a `senderConstraint`, built from one token set in one step: the
 * scheme from the set's `tokenType`, and a fresh proof whose `ath` is the hash of that set's token.
 * `put(header, 'DPoP <token>')` and `put(name, value)` for each proof header; the transports call it
 * for every send, replays included.
 *
 * @returns the token header's value and the proof headers (for `isNonceChallenge`).
 * @throws {TokenTypeMismatchError} the set's type is not the constraint's scheme (e.g. `Bearer`); nothing is put.
 */
export async function senderConstrainedHeaders(
  constraint: SenderConstraint,
  set: TokenSet,
  method: string,
  url: string,
  header: string,
  put: (name: string, value: string) => void,
): Promise<{ authorization: string; proof: Record<string, string> }> {
  const scheme = authorizationScheme(set.tokenType);
  if (scheme.toLowerCase() !== constraint.scheme.toLowerCase()) {
    throw new TokenTypeMismatchError(constraint.scheme, scheme, describe(method, url));
  }
  const proof = await constraint.headersFor({ method, url, accessToken: set.accessToken });
  const authorization = `${constraint.scheme} ${set.accessToken}`;
  put(header, authorization);
  for (const name in proof) put(name, proof[name] as string);
  return { authorization, proof };
}

/** `METHOD origin+path`, without userinfo, query or fragment. */
function describe(method: string, url: string): string {
  try {
    return describeRequest(method.toUpperCase(), new URL(url));
  } catch {
    return method.toUpperCase();
  }
}
