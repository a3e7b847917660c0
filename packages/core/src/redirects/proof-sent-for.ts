import { hopHeaders } from './hop-headers.js';

/**
 * The proof headers that went with the request `response` answers — what a nonce challenge in it
 * must be judged against. After hops `followRedirects` followed with a `rebind`, the last hop's
 * (each hop gets its own proof, see `proofPerHop`), by the names in `first`; otherwise `first`,
 * the first send's.
 *
 * @param first the proof headers of the first send, e.g. `{ DPoP: '…' }`.
 */
export function proofSentFor(
  response: Response,
  first: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const headers = hopHeaders.get(response);
  if (!headers) return first;
  const sent: Record<string, string> = {};
  for (const name in first) {
    const value = headers.get(name);
    if (value !== null) sent[name] = value; // withheld at a hop: no proof went
  }
  return sent;
}
