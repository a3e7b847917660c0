import {
  followRedirects,
  hasHeader,
  isBrowserLike,
  isRedirect,
  readJsonBody,
  releaseBody,
  rereadable,
} from './core.js';
import type { DPoPEvent } from './dpop-event.js';
import { DPoPNonceError, nonceFailure } from './errors/dpop-nonce-error.js';
import { resolveUrl, toHtm, toHtu } from './htu.js';
import { ClockLesson, type NonceBook } from './nonce-book.js';

/**
 * What `dpop.fetch` takes besides a `RequestInit`: `resendBody` marks a one-time body (a client
 * assertion) and makes the body of the one retry, so the retry never sends it twice.
 */
export interface DPoPFetchInit extends RequestInit {
  /**
   * Called for the one retry (new nonce or skewed clock) instead of sending `body` again.
   * @default undefined (the retry sends `body` as it is)
   */
  resendBody?: (() => Promise<NonNullable<RequestInit['body']>>) | undefined;
}

/** The `fetch` signature `dpop.fetch` has and wraps. */
export type FetchLike = (input: string | URL | Request, init?: DPoPFetchInit) => Promise<Response>;

/**
 * Wraps `fetch` for authorization-server calls (token, PAR, revocation…): a fresh proof on every
 * send, the origin's latest nonce and clock offset (learned from every response, the clock only from
 * answers to other methods than `GET` and `HEAD`, for the origin that answered it: the end of any
 * redirect fetch followed), and at most one retry, never after a hop changed the method (a 303 made
 * the POST a GET: that answer is returned as it is), nor after a redirect the runtime followed (a
 * browser's, a `Request`'s: its method unseen, taken for a GET's): on
 * `400 use_dpop_nonce` with a new nonce, or on `400 invalid_dpop_proof` when the response's `Date`
 * shows the proof's `iat` was off the server's clock, each from the origin the proof was for (a 400
 * from the end of a redirect to another origin is returned as it is). A one-time body (`init.resendBody`, e.g. a
 * client assertion) is never sent twice: the retry sends what `resendBody` makes (decision 1210).
 * Without it the body is resent as it is. Outside browsers, redirects of a string or `URL` input
 * sent with `redirect: 'follow'` (the default) and a body that is not a stream are followed here with
 * core's `followRedirects`: each hop gets a fresh proof for its own method and URL, and none goes
 * to another origin (decision 1211). A request that already carries a `DPoP` header (a transport's
 * proof, with the `ath` this one cannot have) is handed to `inner` untouched; a `DPoP` set to
 * `undefined` or `null` carries none (core's `hasHeader`, as `withTokens` reads `Authorization`).
 *
 * Positional parameters, not an options object: their names then minify (issue #14's size budget).
 * @param inner the `fetch` that sends
 * @param book the `DPoP` instance's nonces and server clocks
 * @param prove signs a proof for a method, URL and nonce
 * @param emit reports `nonce_retry`, `clock_retry` and `invalid_grant_after_nonce_retry`
 * @param retried collects the responses that answered a nonce retry (`dpop.isAfterNonceRetry`)
 */
export function dpopFetch(
  inner: FetchLike,
  book: NonceBook,
  prove: (method: string, url: URL, nonce: string | undefined) => Promise<string>,
  emit: (event: DPoPEvent) => void,
  retried: WeakSet<Response>,
): FetchLike {
  return async (input, asked) => {
    // Headers given as a one-shot iterator, which fetch reads once: read once here, as the check
    // below and every send (a nonce retry, a hop) read them again.
    const init = rereadable(asked);
    const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
    const url = resolveUrl(request ? request.url : (input as string | URL));
    const method = toHtm(init?.method ?? request?.method ?? 'GET');
    const where = `${method} ${toHtu(url)}`;
    const given = init?.headers ?? request?.headers;
    // A proof already there is a transport's (`withTokens(dpop.fetch, …)`): it has the `ath` this
    // one could not have, and the transport answers its challenges and follows its redirects.
    // `{ DPoP: undefined }` sets nothing, as for withTokens: it gets a proof, not the text `undefined`.
    if (hasHeader(given, 'dpop')) return inner(input, init);
    // Taken before the first send: a Request's body can be read only once.
    const spare = request?.clone();
    const stream = init?.body instanceof ReadableStream;
    // After a redirect (fetch or we followed), the answer (its nonce, its clock) is of the origin that
    // sent it; only the request's own origin sets the offset of origins never heard from. An answer to
    // a GET or HEAD (discovery, JWKS) may be a stored copy with an old `Date` and no `Age` (a browser's
    // cache): it teaches its nonce only. A POST's (token, PAR, revocation) is never a stored copy
    // (RFC 9111 §4, RFC 9110 §9.3.3) (decision 1201).
    // The method of the last request sent: a 303 (or a 301/302 after a POST) makes the hops after it
    // GETs, whose answers are no POST's (a retry follows only an answer to `method`, so never reset).
    let answered = method;
    // An answer after a redirect the runtime followed (a browser's, a `Request`'s, a stream's): a 303 may have
    // made the POST a GET, unseen. Taken for a GET's: it teaches no clock and is never retried.
    const unseen = (response: Response) => {
      if (response.redirected && method !== 'HEAD') answered = 'GET';
      return response;
    };
    const learn = (response: Response) => {
      const from = resolveUrl(response.url || url);
      return book.learn(
        from,
        response.headers,
        answered === 'GET' || answered === 'HEAD'
          ? ClockLesson.None
          : from.origin === url.origin
            ? ClockLesson.Default
            : ClockLesson.Origin,
      );
    };
    // The nonce of the last proof sent (after hops, the last hop's): what a challenge is judged against.
    let sentNonce: string | undefined;
    const sign = (to: URL, how = method) => {
      sentNonce = book.nonceFor(to);
      return prove(how, to, sentNonce);
    };
    const send = async (source?: Request, body = init?.body): Promise<Response> => {
      const proof = await sign(url);
      const headers = new Headers(given);
      headers.set('DPoP', proof);
      // An undefined `body` is no body member: the Request's own, or none.
      const sent = { ...init, headers, body } as RequestInit & { headers: Headers };
      if (source) return unseen(await inner(new Request(source, sent)));
      // A hop the runtime follows keeps this proof, whose htu names the first URL. Outside browsers
      // (where `manual` gives the real 3xx) we follow instead: a fresh proof per hop, never one to
      // another origin (decision 1211). A stream cannot be sent twice: the runtime follows it.
      const follow = !stream && !isBrowserLike() && (init?.redirect ?? 'follow') === 'follow';
      if (follow) sent.redirect = 'manual';
      // Our copy, taken before signing: a caller's `URL` changed in place meanwhile never takes the proof elsewhere.
      const response = unseen(await inner(typeof input === 'string' ? input : url, sent));
      return follow && isRedirect(response)
        ? followRedirects(
            response,
            { url: url.href, init: sent },
            {
              fetch: (to, hop) => {
                answered = toHtm(hop.method ?? 'GET');
                return inner(to, hop);
              },
              allows: (to) => resolveUrl(to).origin === url.origin,
              credentials: ['dpop'],
              resend: true,
              rebind: async (hopMethod, to, hopHeaders, from) => {
                learn(from);
                hopHeaders.set('DPoP', await sign(resolveUrl(to), hopMethod));
              },
            },
          )
        : response;
    };

    const sentIat = book.serverTime(url);
    const first = await send(request);
    const nonce = learn(first);
    // Only an answer from where the proof went challenges it: a 400 from the origin a redirect fetch
    // followed ended at is returned as it is (its nonce kept for that origin), as the transports do.
    // Nor does an answer to a GET that a 303 made of this POST: a retry would send the POST again.
    if (first.status !== 400 || resolveUrl(first.url || url).origin !== url.origin || answered !== method) {
      return first;
    }
    // 60 s: beyond it a server rejects a proof's `iat` as not recent.
    const skewed = Math.abs(book.serverTime(url) - sentIat) > 60;
    // The one retry: for `use_dpop_nonce` with a new nonce, or for `invalid_dpop_proof` while the
    // response's `Date` showed the proof's `iat` was far off the server's clock.
    const error = await oauthError(first, where);
    const reason =
      error === 'use_dpop_nonce'
        ? 'nonce_retry'
        : error === 'invalid_dpop_proof' && skewed
          ? 'clock_retry'
          : undefined;
    const failure = reason === 'nonce_retry' && nonceFailure(nonce, sentNonce);
    if (failure) {
      releaseBody(first);
      throw new DPoPNonceError(failure, 400, where);
    }
    if (!reason || stream) return first; // a stream cannot be sent twice
    emit({ type: reason, origin: url.origin, status: 400 });
    releaseBody(first);
    // A one-time body is never sent twice: its sender makes the retry's (decision 1210).
    const second = await send(spare, await init?.resendBody?.());
    learn(second);
    if (second.status !== 400 || answered !== method) return second;
    const retryError = await oauthError(second, where);
    if (retryError === 'use_dpop_nonce') {
      releaseBody(second);
      throw new DPoPNonceError('rejected_after_retry', 400, where);
    }
    if (retryError === 'invalid_grant' && reason === 'nonce_retry') {
      retried.add(second);
      emit({ type: 'invalid_grant_after_nonce_retry', origin: url.origin });
    }
    return second;
  };
}

/**
 * The OAuth `error` of a JSON error body, read from a clone so the caller can still read the
 * response; at most 1 MiB of it, as core reads every OAuth answer (a larger body is no nonce challenge).
 */
async function oauthError(response: Response, where: string): Promise<string | undefined> {
  try {
    return ((await readJsonBody(response.clone(), where)) as { error?: string } | null)?.error;
  } catch {
    return undefined;
  }
}
