import type { DPoPEvent } from './dpop-event.js';
import { DPoPNonceError } from './errors/dpop-nonce-error.js';
import { toHtu } from './htu.js';
import type { NonceBook } from './nonce-book.js';

/** The `fetch` signature `dpop.fetch` has and wraps. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What the decorator needs from its `DPoP` instance. */
export interface DPoPFetchContext {
  inner: FetchLike;
  book: NonceBook;
  prove(method: string, url: string, nonce: string | undefined): Promise<string>;
  emit(event: DPoPEvent): void;
  /** Responses that answered a nonce retry. */
  retried: WeakSet<Response>;
}

/**
 * Wraps `fetch` for authorization-server calls (token, PAR, revocation…): a fresh proof on every
 * send, the origin's latest nonce, the `Date` offset learned from every response, and exactly one
 * retry on `400 use_dpop_nonce`.
 */
export function dpopFetch(context: DPoPFetchContext): FetchLike {
  const { inner, book } = context;
  return async (input, init) => {
    const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : (input as string | URL), globalThis.location?.href).href;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const where = `${method} ${toHtu(url)}`;
    // Taken before the first send: a Request's body can be read only once.
    const spare = request?.clone();
    const send = async (nonce: string | undefined, source?: Request): Promise<Response> => {
      const proof = await context.prove(method, url, nonce);
      const headers = new Headers(init?.headers ?? source?.headers);
      headers.set('DPoP', proof);
      return source ? inner(new Request(source, { ...init, headers })) : inner(input, { ...init, headers });
    };

    const sentNonce = book.nonceFor(url);
    const first = await send(sentNonce, request);
    const nonce = book.learn(url, first.headers);
    if (first.status !== 400 || (await oauthError(first)) !== 'use_dpop_nonce') return first;
    if (nonce === undefined || nonce === sentNonce) {
      discard(first);
      throw new DPoPNonceError(nonce === undefined ? 'nonce_unreadable' : 'nonce_unchanged', 400, where);
    }
    if (init?.body instanceof ReadableStream) return first; // a one-shot stream cannot be sent twice
    discard(first);
    context.emit({ type: 'nonce_retry', origin: new URL(url).origin, status: 400 });

    const second = await send(nonce, spare);
    book.learn(url, second.headers);
    if (second.status !== 400) return second;
    const error = await oauthError(second);
    if (error === 'use_dpop_nonce') {
      discard(second);
      throw new DPoPNonceError('rejected_after_retry', 400, where);
    }
    if (error === 'invalid_grant') {
      context.retried.add(second);
      context.emit({ type: 'invalid_grant_after_nonce_retry', origin: new URL(url).origin });
    }
    return second;
  };
}

/** The OAuth `error` of a JSON error body, read from a clone so the caller can still read the response. */
async function oauthError(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return typeof body?.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}
