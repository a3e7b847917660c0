import { TokenTypeMismatchError } from '../errors/token-type-mismatch-error.js';
import { describeRequest } from '../internal/describe-request.js';
import type { TokenSet } from '../token-set.js';
import { authorizationScheme } from './authorization-scheme.js';
import type { ResponseLike, SenderConstraint } from './sender-constraint.js';

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

/**
 * What a transport does with each response of a sender-constrained send: `learn` it, then — when
 * `answer` (this send is not itself a nonce replay, and the response came from where the proof
 * went) — whether it is a nonce challenge to answer with one replay, without refreshing.
 * @throws what `isNonceChallenge` throws (`DPoPNonceError`): no replay can answer it.
 */
export function isNonceReplay(
  constraint: SenderConstraint,
  response: ResponseLike,
  proof: Readonly<Record<string, string>>,
  answer: boolean,
): boolean {
  constraint.learn(response);
  return answer && constraint.isNonceChallenge(response, proof);
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
 * Checks the `senderConstraint` option of a transport: `undefined`, or an object with a `scheme`
 * and the three methods of {@link SenderConstraint}; never beside a `scheme` option. Without the
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
    typeof candidate.headersFor !== 'function' ||
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
