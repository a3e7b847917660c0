import { proofSentFor } from '../redirects/proof-sent-for.js';
import type { ResponseLike, SenderConstraint } from './sender-constraint.js';

/**
 * What a transport does with each response of a sender-constrained send: `learn` it, then — when
 * `answer` (this send is not itself a nonce replay, and the response came from where the proof
 * went) — whether it is a nonce challenge to answer with one replay, without refreshing. The
 * challenge is judged against the proof that went with the response: `proof`, or after hops
 * `followRedirects` followed, the last hop's (`proofSentFor(followed, proof)`). What
 * `createDPoP()` gives as its `isNonceReplay` member, the one the transports call.
 *
 * @param proof the proof headers of the first send, e.g. `{ DPoP: '…' }`.
 * @param followed the `Response` itself, where `followRedirects` may have followed hops.
 * @throws what `isNonceChallenge` throws (`DPoPNonceError`): no replay can answer it.
 */
export function isNonceReplay(
  constraint: SenderConstraint,
  response: ResponseLike,
  proof: Readonly<Record<string, string>>,
  answer: boolean,
  followed?: Response,
): boolean {
  constraint.learn(response);
  return answer && constraint.isNonceChallenge(response, followed ? proofSentFor(followed, proof) : proof);
}
