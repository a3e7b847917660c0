import type { OriginPolicy } from '@tessera/core';

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One hop to send: where, and the init (with its own `Headers`). */
export interface Hop {
  url: string;
  init: RequestInit & { headers: Headers };
}

/**
 * Follows redirects itself (`redirect: 'manual'`) so that every hop is checked against the origin
 * policy: when a hop's origin is not allowed, the credential headers are deleted for it and every
 * later hop (never put back), and the result says the token did not reach the final response.
 * Method and body change as the Fetch standard says (303, and 301/302 for POST → GET without a
 * body). A 307/308 with a body that cannot be sent again ends here: the redirect response is returned.
 *
 * @param send sends one hop (the first with the caller's body or a fresh `Request`).
 * @param resend whether the body can be sent again on a 307/308.
 */
export async function followRedirects(
  first: Hop,
  send: (hop: Hop, index: number) => Promise<Response>,
  allows: OriginPolicy,
  credentials: readonly string[],
  resend: boolean,
): Promise<{ response: Response; carried: boolean }> {
  let hop = first;
  let carried = true;
  for (let index = 0; ; index++) {
    const response = await send(hop, index);
    const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
    if (location === null || index >= MAX_REDIRECTS) {
      if (index > 0) markRedirected(response, hop.url);
      return { response, carried };
    }
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch {
      return { response, carried };
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { response, carried };
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
      return { response, carried };
    }
    if (carried && !allows(next.href, undefined)) {
      for (const name of credentials) headers.delete(name);
      carried = false;
    }
    await response.body?.cancel().catch(() => undefined);
    hop = { url: next.href, init };
  }
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
