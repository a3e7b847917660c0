import type { ResponseLike, SenderConstraint } from './sender-constraint.js';

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
