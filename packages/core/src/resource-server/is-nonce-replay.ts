import { proofSentFor } from '../redirects/proof-sent-for.js';
import type { SeenResponse, SenderConstraint } from './sender-constraint.js';

/**
 * What a transport does with each response of a sender-constrained send: `learn` it, then — when
 * `answer` (this send is not itself a nonce replay, and the response came from where the proof
 * went) — whether it is a nonce challenge to answer with one replay, without refreshing. The
 * challenge is judged against the proof that went with the response: `proof`, or after hops
 * `followRedirects` followed, the last hop's (`proofSentFor(followed, proof)`). What
 * `createDPoP()` gives as its `isNonceReplay` member, the one the transports call.
 *
 * @param response the response: its `url`, else for an `AxiosResponse` of the XHR adapter its
 *   `request.responseURL` (where the redirects the browser followed ended), else `url` (a fetch
 *   `Response` made by hand, an `AxiosResponse` of the other adapters, have none); no headers read as none.
 * @param proof the proof headers of the first send, e.g. `{ DPoP: '…' }`.
 * @param followed the `Response` itself, where `followRedirects` may have followed hops.
 * @param url the URL the request went to.
 * @throws what `isNonceChallenge` throws (`DPoPNonceError`): no replay can answer it.
 */
export function isNonceReplay(
  constraint: SenderConstraint,
  response: SeenResponse,
  proof: Readonly<Record<string, string>>,
  answer: boolean,
  followed?: Response,
  url?: string,
): boolean {
  const seen = {
    // axios's XHR: where a redirect the browser followed ended (`responseURL`), whose nonce it is.
    url:
      response.url ||
      (response as { request?: { responseURL?: string } }).request?.responseURL ||
      (url as string),
    status: response.status,
    headers: response.headers ?? {},
  };
  constraint.learn(seen);
  return answer && constraint.isNonceChallenge(seen, followed ? proofSentFor(followed, proof) : proof);
}
