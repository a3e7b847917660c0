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
  /** Of the policy of two attachments or more on one request (`combined`): theirs, each ruling on its own headers. */
  parts?: readonly RedirectPolicy[];
}

/** Where a fetch-adapter request was answered from, and whether its credentials were withheld on the way. */
export interface FetchOutcome {
  url: string;
  withheld: boolean;
  /** The attachments (of several on one request) whose credentials were withheld at a hop another one allowed. */
  stripped?: readonly RedirectPolicy[];
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
 * In browsers, which follow and strip only `Authorization` themselves, a request carrying another token
 * header is sent with `redirect: 'error'` (unless `fetchOptions.redirect` is set): it follows no redirect.
 * Anything else (browsers otherwise; a `redirect` other than
 * `'follow'`: a caller's `fetchOptions.redirect`, axios's `maxRedirects: 0`; no credential header)
 * is sent as axios built it, with the same arguments. Either way the final URL is noted for
 * `fetchOutcomeOf`. Older axios and the other adapters ignore `env.fetch`.
 */
export function guardFetchRedirects(config: { env?: unknown }, policy: RedirectPolicy): void {
  const env = (config.env ?? {}) as { fetch?: unknown };
  let own = Object.hasOwn(env, 'fetch') ? env.fetch : undefined;
  const ours = typeof own === 'function' ? wrapped.get(own) : undefined;
  if (ours) {
    // A replay: already this policy's wrapper. Another attachment's: one wrapper of what it wraps, for both.
    if ((ours.policy.parts ?? [ours.policy]).includes(policy)) return;
    own = ours.fetch;
    policy = combined(ours.policy, policy);
  }
  const fetch = own ?? (typeof globalThis.fetch === 'function' ? globalFetch : undefined);
  if (typeof fetch !== 'function') return; // no fetch here, or not one axios could call
  const byPolicy = innerMap(wrappers, fetch);
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

/** Combined policies, one per pair (axios caches its adapter per `env.fetch`: never one per request). */
const combinations = new WeakMap<RedirectPolicy, WeakMap<RedirectPolicy, RedirectPolicy>>();

/**
 * The policy of a request two attachments (or more) put credentials on: hops are followed while any of
 * them allows the hop, and each one's headers are withheld where its own policy does not (`send`).
 */
function combined(first: RedirectPolicy, second: RedirectPolicy): RedirectPolicy {
  const bySecond = innerMap(combinations, first);
  let policy = bySecond.get(second);
  if (!policy) {
    const parts = [...(first.parts ?? [first]), second];
    policy = {
      allows: (url, base) => parts.some((part) => part.allows(url, base)),
      credentials: [...new Set(parts.flatMap((part) => part.credentials))],
      parts,
    };
    bySecond.set(second, policy);
  }
  return policy;
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
  if (!isFetchRequest(input)) return noted(input, await fetch(input, init));
  const options = init as RequestInit | null | undefined;
  const mode = options?.redirect ?? input.redirect;
  const headers = options?.headers === undefined ? input.headers : new Headers(options.headers);
  if (isBrowserLike()) {
    // Browsers strip only `Authorization` at an origin change: a token in another header would follow a
    // redirect to any origin (after a preflight it can allow), so it follows none, as with
    // `@tessera/fetch` (decision 0902). A `redirect` you set (`fetchOptions`) is kept.
    const stop =
      !options?.redirect &&
      mode === 'follow' &&
      policy.credentials.some((name) => name !== 'authorization' && name !== 'dpop' && headers.has(name));
    return noted(input, await fetch(input, stop ? { ...options, redirect: 'error' } : init));
  }
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
    let stripped: RedirectPolicy[] | undefined;
    // A custom fetch's answer without real `Headers` is not a redirect we can follow: returned as it is.
    if (typeof response?.headers?.has === 'function' && isRedirect(response)) {
      const bytes = kept && (await kept.bytes);
      const { parts } = policy;
      const seen: RedirectPolicy[] = [];
      if (parts) stripped = seen;
      // Several attachments: at a hop one of them allows, each other one's headers go where its own
      // policy does not allow (as `guardRedirects` per attachment), never put back; then each one still
      // carrying its own gets its proof (after: `DPoP` is every attachment's name, never deleted once signed).
      const rebind: RedirectPolicy['rebind'] = parts
        ? async (method, url, headers, from) => {
            const kept = parts.filter((part) => headers.has(part.credentials[0] as string));
            for (const part of kept) {
              if (part.allows(url, undefined)) continue;
              for (const name of part.credentials) headers.delete(name);
              seen.push(part);
            }
            for (const part of kept) {
              if (!seen.includes(part)) await part.rebind?.(method, url, headers, from);
            }
          }
        : policy.rebind;
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
        rebind,
        resend: kept === undefined || bytes !== undefined,
      });
    }
    return noted(input, response, isWithheld(response), stripped);
  } finally {
    if (kept) {
      signal.removeEventListener('abort', kept.release);
      kept.release();
    }
  }
}

/** Notes where `response` came from against the `Request` axios passed; returns the response untouched. */
function noted(
  input: unknown,
  response: unknown,
  withheld = false,
  stripped?: readonly RedirectPolicy[],
): unknown {
  const url = (response as { url?: unknown } | null)?.url;
  if (typeof input === 'object' && input !== null && typeof url === 'string') {
    const outcome: FetchOutcome = { url, withheld, response: response as Response };
    if (stripped) outcome.stripped = stripped;
    outcomes.set(input, outcome);
  }
  return response;
}

/** The map kept for `key` in a map of maps (wrappers per fetch, combined policies per first policy), made once. */
function innerMap<K extends object, L extends object, V>(
  maps: WeakMap<K, WeakMap<L, V>>,
  key: K,
): WeakMap<L, V> {
  let inner = maps.get(key);
  if (!inner) {
    inner = new WeakMap();
    maps.set(key, inner);
  }
  return inner;
}
