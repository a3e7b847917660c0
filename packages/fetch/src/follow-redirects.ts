import type { OriginPolicy } from '@tessera/core';

const MAX_REDIRECTS = 20;

/** One hop to send: where, and the init (with its own `Headers`). */
export interface Hop {
  url: string;
  init: RequestInit & { headers: Headers };
}

/** Responses that came from where the token was withheld (a disallowed redirect hop): their 401 says nothing about it. */
export const withheld: WeakSet<Response> = new WeakSet();

/** Whether `response` is a redirect to follow (301, 302, 303, 307, 308 with a `Location`). */
export function isRedirect(response: Response): boolean {
  const { status } = response;
  return (
    (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) &&
    response.headers.has('location')
  );
}

/**
 * Follows redirects itself, from the redirect `response` to `hop` (sent with `redirect: 'manual'`),
 * so that every hop is checked against the origin policy: when a hop's origin is not allowed, the
 * credential headers are deleted for it and every later hop (never put back), and the final
 * response is added to `withheld`. Method and body change as the Fetch standard says (303, and
 * 301/302 for POST → GET without a body). A 307/308 with a body that cannot be sent again ends
 * here: the redirect response is returned. Up to 20 hops; the 21st redirect is returned as it is.
 *
 * @param fetch sends each further hop.
 * @param resend whether the body can be sent again on a 307/308.
 */
export async function followRedirects(
  response: Response,
  hop: Hop,
  fetch: typeof globalThis.fetch,
  allows: OriginPolicy,
  credentials: readonly string[],
  resend: boolean,
): Promise<Response> {
  let carried = true;
  for (let count = 1; count <= MAX_REDIRECTS && isRedirect(response); count++) {
    let next: URL;
    try {
      next = new URL(response.headers.get('location') ?? '', hop.url);
    } catch {
      break;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') break;
    const headers = new Headers(hop.init.headers);
    const init: Hop['init'] = { ...hop.init, headers };
    const method = (hop.init.method ?? 'GET').toUpperCase();
    if (response.status === 303 ? method !== 'HEAD' : response.status <= 302 && method === 'POST') {
      init.method = 'GET';
      init.body = null;
      for (const name of [
        'content-type',
        'content-length',
        'content-encoding',
        'content-language',
        'content-location',
      ]) {
        headers.delete(name);
      }
    } else if (init.body !== undefined && init.body !== null && !resend) {
      break;
    }
    if (carried && !allows(next.href, undefined)) {
      for (const name of credentials) headers.delete(name);
      carried = false;
    }
    await response.body?.cancel().catch(() => undefined);
    hop = { url: next.href, init };
    response = await fetch(hop.url, hop.init);
    markRedirected(response, hop.url);
  }
  if (!carried) withheld.add(response);
  return response;
}

/** Gives a response we followed to the same `url`/`redirected` a followed fetch would have. */
function markRedirected(response: Response, url: string): void {
  try {
    Object.defineProperty(response, 'url', { value: url, configurable: true });
    Object.defineProperty(response, 'redirected', { value: true, configurable: true });
  } catch {
    // a frozen or exotic Response: keep it as it is
  }
}
