import type { OriginPolicy } from '../origin-policy/create-origin-policy.js';
import { hopHeaders } from './hop-headers.js';
import { isRedirect } from './is-redirect.js';
import { BODY_HEADERS, redirectDropsBody } from './redirect-drops-body.js';
import { redirectTarget } from './redirect-target.js';
import { releaseBody } from './release-body.js';
import { withheld } from './withheld.js';

/** One hop to send: where, and the init (with its own `Headers`). */
export interface RedirectHop {
  /** The absolute URL of the hop. */
  url: string;
  /** What is sent there; `redirect` should be `'manual'` so the next redirect comes back here. */
  init: RequestInit & { headers: Headers };
}

/** How `followRedirects` sends the hops after the first, and what it withholds. */
export interface FollowRedirectsOptions {
  /** Sends each further hop (with `redirect: 'manual'` kept from the hop's init). */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** The origin policy: whether a hop's URL may receive the credentials. */
  allows: OriginPolicy;
  /** The header names deleted (any case) at the first hop the policy does not allow, e.g. `['authorization', 'dpop']`. */
  credentials: readonly string[];
  /**
   * Whether the body of `hop.init` can be sent again on a 307/308 (or a 301/302 that keeps the
   * method); when not, such a redirect ends here and is returned as it is.
   */
  resend: boolean;
  /**
   * Called before each further hop that still carries the credentials, with its method (as handed
   * to fetch: not upper-cased here, fetch upper-cases only the six standard names), URL and
   * headers, and the redirect response that leads there: a sender constraint learns that
   * response's nonce and re-signs its proof for the hop (a DPoP proof names one method and URL, so
   * the first hop's proof would be refused at the next). See `proofPerHop`.
   * @default undefined (the headers go on as they are)
   */
  rebind?:
    | ((method: string, url: string, headers: Headers, from: Response) => Promise<void> | void)
    | undefined;
}

/**
 * Follows redirects itself, from the redirect `response` to the `hop` that got it (sent with
 * `redirect: 'manual'`), so that every hop is checked against the origin policy — the rule every
 * Tessera transport uses outside browsers (see `isBrowserLike`). A hop to another origin never
 * carries `Authorization` (unless it is one of the `credentials`), `Cookie` or `Proxy-Authorization`
 * (as undici and follow-redirects drop them). When a hop's origin is not
 * allowed, the credential headers are deleted for it and every later hop (never put back), and the
 * final response is marked (`isWithheld`): its 401 must not invalidate or refresh the token. Method
 * and body change as the Fetch standard says (303, and 301/302 for POST → GET without a body). A
 * 307/308 with a body that cannot be sent again ends here: the redirect response is returned. As
 * fetch does, it rejects with a `TypeError` at a 21st redirect (`redirect count exceeded`) and at a
 * `Location` that is not an http(s) URL (`data:`, `javascript:`, not a URL at all); a 3xx without
 * `Location` is the answer. Each followed response gets `url` (its hop) and `redirected: true`, as
 * a followed fetch gives; with `rebind`, `proofSentFor` tells which proof went with it.
 *
 * @throws {TypeError} `fetch failed: redirect count exceeded`, `fetch failed: redirect to a
 * non-http(s) URL` (the message names no URL, header or token), or what `fetch` or `rebind` throws.
 *
 * @example
 * let response = await fetch(url, { ...init, headers, redirect: 'manual' });
 * if (isRedirect(response)) {
 *   response = await followRedirects(response, { url, init: { ...init, headers, redirect: 'manual' } },
 *     { fetch, allows, credentials: ['authorization', 'dpop'], resend: true });
 * }
 * if (isWithheld(response)) // a 401 here says nothing about the token
 */
export async function followRedirects(
  response: Response,
  hop: RedirectHop,
  options: FollowRedirectsOptions,
): Promise<Response> {
  const { fetch, allows, credentials, resend, rebind } = options;
  let { url, init } = hop;
  let carried = true;
  for (let count = 0; isRedirect(response); ) {
    const headers = new Headers(init.headers);
    const drop = (name: string) => headers.delete(name);
    init = { ...init, headers };
    // What undici and follow-redirects drop at an origin change (we follow in their place).
    const next = redirectTarget(response.headers.get('location'), url, credentials, drop);
    // Where fetch rejects (a network error) instead of following: never the 3xx as the answer.
    if (!next || ++count > 20) {
      throw new TypeError(`fetch failed: redirect ${next ? 'count exceeded' : 'to a non-http(s) URL'}`);
    }
    if (redirectDropsBody(response.status, init.method ?? 'GET')) {
      init.method = 'GET';
      init.body = null;
      BODY_HEADERS.forEach(drop);
    } else if (init.body != null && !resend) {
      break;
    }
    url = next.href;
    if (carried) {
      // The method as it is handed to fetch, as for the first send (`patch` goes out as `patch`).
      if (allows(url, undefined)) await rebind?.(init.method ?? 'GET', url, headers, response);
      else {
        credentials.forEach(drop);
        carried = false;
      }
    }
    releaseBody(response); // not awaited: a cloned response's cancel may never settle
    response = await fetch(url, init);
    // The same `url`/`redirected` a followed fetch would have.
    try {
      Object.defineProperties(response, {
        url: { value: url, configurable: true },
        redirected: { value: true, configurable: true },
      });
    } catch {
      // a frozen or exotic Response: keep it as it is
    }
    if (rebind) hopHeaders.set(response, headers); // for `proofSentFor`: only a constraint asks
  }
  if (!carried) withheld.add(response);
  return response;
}
