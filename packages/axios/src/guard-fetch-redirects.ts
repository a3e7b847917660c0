import type { FollowRedirectsOptions, OriginPolicy, RedirectHop } from '@tessera/core';
import { followRedirects, isBrowserLike, isRedirect, isWithheld } from './core.js';
import { type KeptBody, keepBody } from './keep-body.js';

type Fetch = (input: unknown, init?: unknown) => unknown;

/** What one `attachTokenManager` withholds from origins it does not allow: made once per attachment. */
export interface RedirectPolicy {
  allows: OriginPolicy;
  /** Lower-cased credential header names: the token header and `dpop`. */
  credentials: readonly string[];
  /** With a sender constraint: a fresh proof at each hop that keeps the credentials (`proofPerHop`). */
  rebind?: FollowRedirectsOptions['rebind'];
}

/** Where a fetch-adapter request was answered from, and whether its credentials were withheld on the way. */
export interface FetchOutcome {
  url: string;
  withheld: boolean;
  /** The `Response` itself: after hops, `proofSentFor` reads which proof went with it. */
  response: Response;
}

/** The largest body kept to be sent again on a 307/308 (as follow-redirects' default `maxBodyLength`). */
const KEPT_BODY_LIMIT = 10 * 1024 * 1024;

/** Stands for a body that was not kept: not null (so no 307/308 is followed), and no body fetch accepts. */
const NOT_KEPT = Symbol('body not kept') as unknown as BodyInit;
/** Keyed by the `Request` axios passed (the one it puts on `error.request`). */
const outcomes = new WeakMap<object, FetchOutcome>();
/**
 * One wrapper per (underlying fetch, policy): axios caches its fetch adapter per `env.fetch`, so
 * never one per request; and each wrapper's own fetch and policy, so a wrapper is never wrapped.
 */
const wrappers = new WeakMap<object, WeakMap<RedirectPolicy, Fetch>>();
const wrapped = new WeakMap<object, { fetch: Fetch; policy: RedirectPolicy }>();
/** The global `fetch`, looked up at call time as axios does. */
const globalFetch: Fetch = (input, init) => globalThis.fetch(input as Request, init as RequestInit);

/**
 * Makes axios's fetch adapter (axios ≥ 1.12, which takes `config.env.fetch`) police redirects:
 * `config.env.fetch` becomes a wrapper of the fetch axios would use (the caller's `env.fetch`, else
 * the global `fetch`). Outside browsers, a request that carries a credential header and would be
 * followed (`redirect: 'follow'`) is sent with `redirect: 'manual'` and its hops followed by
 * `followRedirects` from `@tessera/core`: the token header and `DPoP` are deleted at the first hop
 * the policy does not allow, and that request's outcome is marked withheld. A body is kept (up to
 * 10 MiB) to be sent again on a 307/308; a larger one ends at the redirect, never sent empty.
 * Anything else (browsers, which follow and strip themselves; a `redirect` other than
 * `'follow'`: a caller's `fetchOptions.redirect`, axios's `maxRedirects: 0`; no credential header)
 * is sent as axios built it, with the same arguments. Either way the final URL is noted for
 * `fetchOutcomeOf`. Older axios and the other adapters ignore `env.fetch`.
 */
export function guardFetchRedirects(config: { env?: unknown }, policy: RedirectPolicy): void {
  const env = (config.env ?? {}) as { fetch?: unknown };
  let own = Object.hasOwn(env, 'fetch') ? env.fetch : undefined;
  const ours = typeof own === 'function' ? wrapped.get(own) : undefined;
  if (ours?.policy === policy) return; // a replay: already this policy's wrapper
  if (ours) own = ours.fetch; // another attachment's wrapper: wrap what it wraps
  const fetch = own ?? (typeof globalThis.fetch === 'function' ? globalFetch : undefined);
  if (typeof fetch !== 'function') return; // no fetch here, or not one axios could call
  let byPolicy = wrappers.get(fetch);
  if (!byPolicy) {
    byPolicy = new WeakMap();
    wrappers.set(fetch, byPolicy);
  }
  let wrapper = byPolicy.get(policy);
  if (!wrapper) {
    const made: Fetch = (input, init) => send(fetch as Fetch, policy, input, init);
    wrapper = made;
    byPolicy.set(policy, made);
    wrapped.set(made, { fetch: fetch as Fetch, policy });
  }
  // Not `{ ...env, fetch }`: in Node 20's V8 a spread followed by a property takes a slow path
  // (~0.5 µs per request, decision 0019); Object.assign copies the same own properties.
  const copy: { fetch?: unknown } = Object.assign({}, env);
  copy.fetch = wrapper;
  config.env = copy;
}

/** What the wrapper learned of the fetch adapter's `request` (its `error.request`); `undefined` when it never saw it. */
export function fetchOutcomeOf(request: unknown): FetchOutcome | undefined {
  return outcomes.get(request as object); // `undefined` for a key that is no object, as for any unknown key
}

/** Whether `value` is a fetch `Request` (none where `Request` is not defined). */
export function isFetchRequest(value: unknown): value is Request {
  return typeof Request === 'function' && value instanceof Request;
}

async function send(fetch: Fetch, policy: RedirectPolicy, input: unknown, init: unknown): Promise<unknown> {
  if (!isFetchRequest(input) || isBrowserLike()) {
    return noted(input, await fetch(input, init));
  }
  const options = init as RequestInit | null | undefined;
  const mode = options?.redirect ?? input.redirect;
  const headers = options?.headers === undefined ? input.headers : new Headers(options.headers);
  if (mode !== 'follow' || !policy.credentials.some((name) => headers.has(name))) {
    return noted(input, await fetch(input, init));
  }
  const request = options ? new Request(input, options) : input;
  const { signal } = request;
  let kept: KeptBody | undefined;
  let body = request.body;
  if (body !== null) {
    const [sent, copy] = body.tee();
    body = sent;
    kept = keepBody(copy, KEPT_BODY_LIMIT);
    signal.addEventListener('abort', kept.release, { once: true });
  }
  try {
    const first = new Request(request, { body, redirect: 'manual', duplex: 'half' } as RequestInit);
    let response = (await fetch(first)) as Response;
    // A custom fetch's answer without real `Headers` is not a redirect we can follow: returned as it is.
    if (typeof response?.headers?.has === 'function' && isRedirect(response)) {
      const bytes = kept && (await kept.bytes);
      signal.throwIfAborted(); // aborted while the body was still being read: as fetch would
      const hop: RedirectHop = {
        url: request.url,
        init: {
          method: request.method,
          headers: new Headers(request.headers),
          // A body too large to keep: a marker fetch would refuse, never sent (followRedirects stops first).
          body: bytes ?? (kept ? NOT_KEPT : null),
          signal,
          redirect: 'manual',
        },
      };
      response = await followRedirects(response, hop, {
        fetch: async (url, next) => (await fetch(new Request(url, next))) as Response,
        allows: policy.allows,
        credentials: policy.credentials,
        rebind: policy.rebind,
        resend: kept === undefined || bytes !== undefined,
      });
    }
    return noted(input, response, isWithheld(response));
  } finally {
    if (kept) {
      signal.removeEventListener('abort', kept.release);
      kept.release();
    }
  }
}

/** Notes where `response` came from against the `Request` axios passed; returns the response untouched. */
function noted(input: unknown, response: unknown, withheld = false): unknown {
  const url = (response as { url?: unknown } | null)?.url;
  if (typeof input === 'object' && input !== null && typeof url === 'string') {
    outcomes.set(input, { url, withheld, response: response as Response });
  }
  return response;
}
