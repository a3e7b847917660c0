import type { ResponseLike, SenderConstraint } from '../resource-server/sender-constraint.js';

/**
 * The `rebind` of `followRedirects` for a transport with a sender constraint: at each hop that
 * still carries the credentials, the constraint first learns the redirect response (a `DPoP-Nonce`
 * it carries goes into the hop's proof), then a fresh proof for that hop's method and URL, for the
 * token the request carries in `header` (`DPoP <token>`). A hop whose token header is not of the
 * constraint's scheme is left as it is.
 *
 * @param header the token header's name, e.g. `Authorization`.
 */
export function proofPerHop(
  constraint: SenderConstraint,
  header: string,
): (method: string, url: string, headers: Headers, from?: ResponseLike) => Promise<void> {
  const prefix = `${constraint.scheme} `;
  return async (method, url, headers, from) => {
    if (from) constraint.learn(from);
    const value = headers.get(header);
    if (!value?.startsWith(prefix)) return;
    const proof = await constraint.headersFor({ method, url, accessToken: value.slice(prefix.length) });
    for (const name in proof) headers.set(name, proof[name] as string);
  };
}
