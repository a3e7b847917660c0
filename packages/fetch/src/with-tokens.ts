import {
  documentBase,
  followRedirects,
  hasHeader,
  isBrowserLike,
  isRedirect,
  isTesseraError,
  isWithheld,
  type RedirectHop,
  redirectDropsBody,
  releaseBody,
  rereadable,
  type TokenManager,
  type TokenSet,
} from '@tessera/core';
import { isReplayableBody } from './is-replayable-body.js';
import { type TokenSettings, tokenSettings } from './token-settings.js';
import {
  type TokenFetch,
  type TokenRequestInit,
  type WithTokensOptions,
  withTokensDefaults,
} from './with-tokens-options.js';

/** A request input normalised once: the absolute URL, and whether the policy allows it. */
interface Target {
  url: string;
  allowed: boolean;
}

const CACHE_LIMIT = 512;

/**
 * Wraps `fetch` so that every request to an allowed origin carries a valid token from `tokens`,
 * with the same rules as `attachTokenManager` from `@tessera/axios`:
 *
 * - `string`, `URL` and `Request` inputs are resolved once against `baseUrl` (or the page) and the
 *   origin policy judges the absolute URL; a relative URL in Node without `baseUrl` gets no token.
 *   A `Request` given as `init` is read as fetch reads it (its method, headers, body, signal…, for
 *   the URL of `input`): `new Request(input, init)` is sent. A `Request` of another copy of fetch
 *   (npm `undici`) is taken too, for that copy's own `fetch`. Init keys a `Request` does not keep
 *   (`dispatcher`, Next.js's `next`) go beside it with every send, hop and replay.
 * - The token and its scheme come from one `tokens.getTokens()` (one shared refresh when stale).
 *   A caller-set `Authorization` is never overwritten; `{ skipAuth: true }` sends the request as it is.
 * - `fetch` may get `init.headers` as a plain record (no `init.headers` or a plain object: a copy
 *   with the token header, never the caller's own), as any `fetch` accepts; else a `Headers`.
 * - On a 401 for the token it carried: `tokens.invalidate(token)`, then one replay with the current
 *   token. Bodies that can be sent twice are reused as they are; a `Request` is cloned before the
 *   first send (its body `tee()`d and held until the response: send a large stream as `init.body`
 *   with a URL, never replayed and never held, not in a `Request`); a stream body is never replayed
 *   (the 401 is returned as it is). A replay's 401 is returned (the token it carried is invalidated).
 * - The caller's `AbortSignal` also covers the wait for a shared refresh: it rejects with `signal.reason`.
 * - Outside browsers, redirects are followed here (`redirect: 'manual'`), checking the policy on every
 *   hop: `Authorization` and `DPoP` never reach an origin that is not allowed, and a 401 from such an
 *   origin refreshes nothing. Browsers strip `Authorization` on cross-origin redirects themselves.
 *
 * @example
 * const api = withTokens(fetch, tokens, { baseUrl: 'https://api.example.com/' });
 * const orders = await (await api('orders')).json();
 * @throws {TypeError} an unknown option, a relative `baseUrl`, an empty `header`, a bad `origins` entry.
 */
export function withTokens(
  fetch: typeof globalThis.fetch,
  tokens: TokenManager,
  options: WithTokensOptions = {},
): TokenFetch {
  if (typeof fetch !== 'function') throw new TypeError('withTokens(): fetch must be a function');
  const settings = tokenSettings(options, 'withTokens()', tokens.senderConstraint);
  const { baseUrl, allows, header } = settings;
  /**
   * What a send that fetch would follow asks for instead: outside browsers Tessera follows each hop
   * itself (`'manual'`); in browsers, which strip only `Authorization` at an origin change, a token in
   * another header must not follow a redirect at all (`'error'`, unless the caller set `redirect`).
   */
  const onFollow: RequestRedirect | undefined = !isBrowserLike()
    ? 'manual'
    : header.toLowerCase() === 'authorization'
      ? undefined
      : 'error';
  let cachedBase: string | undefined;
  const cache = new Map<string, Target | null>();

  /** A string URL resolved against the base, cached per string (the base rarely changes). */
  const targetOf = (input: string): Target | undefined => {
    const base = baseUrl ?? documentBase();
    if (base !== cachedBase) {
      cache.clear();
      cachedBase = base;
    }
    let target = cache.get(input);
    if (target === undefined) {
      target = resolve(input, base, allows);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(input, target);
    }
    return target ?? undefined;
  };

  return (given, init) => {
    // Never a synchronous throw (a GET with a body, a used Request…): a rejection, as fetch gives.
    try {
      let input = given;
      let rest: RequestInit | undefined = init ?? undefined; // fetch takes a null init as none
      // No init, no `instanceof` (in Node each one costs ~25 ns: streams define `Symbol.hasInstance`);
      // nor for a plain object, nearly every init.
      if (rest !== undefined) {
        if (
          Object.getPrototypeOf(rest) !== Object.prototype &&
          typeof Request !== 'undefined' &&
          rest instanceof Request
        ) {
          // fetch reads a Request given as init through its getters (method, body, signal…), which
          // the copies of init below would drop: it becomes the request, as in fetch.
          input = new Request(normalised(input, targetOf), rest);
          rest = undefined;
        } else {
          // Members inherited through a prototype (fetch reads them; the copies below would drop
          // them) and headers given as a one-shot iterator (fetch reads them once) in an init that
          // the caller-set check and every send and replay below can copy and read again.
          rest = rereadable(rest);
          if ('skipAuth' in rest) {
            const { skipAuth, ...others } = rest as TokenRequestInit;
            if (skipAuth === true) return fetch(normalised(input, targetOf), others);
            rest = others;
          }
        }
      }
      const asked = rest?.redirect;
      let target: Target | undefined;
      let request: Request | undefined;
      if (typeof input === 'string') target = targetOf(input);
      else if (input instanceof URL)
        target = { url: input.href, allowed: allows(input.href, documentBase()) };
      else if ((typeof Request !== 'undefined' && input instanceof Request) || isOtherRequest(input)) {
        request = rest === undefined ? input : copyRequest(input, rest);
        // What the Request does not keep (undici's `dispatcher`, which ky hands fetch beside its
        // Request; Next.js's `next`; any runtime's own key) goes with every send, hop and replay.
        // Not what it keeps (a member of the Request): `headers` or `redirect` again would replace
        // the token header or `'manual'`, a `body` again is a used stream.
        const extras: Record<string, unknown> = {};
        for (const key in rest) if (!(key in request)) extras[key] = (rest as never)[key];
        rest = Object.keys(extras).length ? extras : undefined;
        target = { url: request.url, allowed: allows(request.url, documentBase()) };
      }
      if (target === undefined) return fetch(input, rest);
      if (!target.allowed || hasHeader((request ?? rest)?.headers, header))
        return fetch(request ?? target.url, rest);
      const follows = (request?.redirect ?? asked ?? 'follow') === 'follow';
      // Outside browsers Tessera follows either way; in browsers a caller's own `redirect` is kept.
      const mode = follows && !(onFollow === 'error' && asked) ? onFollow : undefined;
      if (request === undefined && settings.constraint === undefined && !rest?.signal?.aborted) {
        const set = tokens.freshTokens();
        if (set) return sendFresh(fetch, tokens, settings, target.url, rest, set, mode);
      }
      return sendWithTokens(fetch, tokens, settings, target.url, rest, request, mode);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * The path nearly every request takes (decision 0019): a bearer token fresh right now, a string or
 * `URL` input. One send with no `await` before it, and one `.then` that hands a redirect or a
 * response `shouldRefresh` may judge to the full loop; any other response is returned as it is.
 */
function sendFresh(
  fetch: typeof globalThis.fetch,
  tokens: TokenManager,
  settings: TokenSettings,
  url: string,
  init: RequestInit | undefined,
  set: TokenSet,
  mode: RequestRedirect | undefined,
): Promise<Response> {
  const given = init?.headers;
  let headers: Headers | Record<string, string>;
  // No init.headers or a plain record (not a `Headers`, pairs or an iterable): no `Headers` here
  // (decision 0019), fetch builds its own from whatever it is given. Not for a `header` named
  // `__proto__`: assigning it to a record sets the record's prototype, and undici's reading of a
  // record drops such a key even when it is an own property (checked: no own-key fix would do).
  if (
    settings.header !== '__proto__' &&
    (given === undefined || (given?.constructor === Object && !(Symbol.iterator in given)))
  ) {
    headers = withHeader(
      given as Record<string, string> | undefined,
      settings.header,
      settings.headerValueOf(set),
    );
  } else {
    headers = new Headers(given);
    settings.authorizeRequest(headers, set, 'GET', url); // synchronous without a constraint
  }
  return send(fetch, url, init, undefined, headers, mode).then((response) => {
    let status: number;
    try {
      ({ status } = response);
    } catch (error) {
      throw misread(response, error); // caught where it fails: a success pays nothing (decision 0900)
    }
    const plain =
      status !== 401 &&
      (status < 300 || status > 399 || mode !== 'manual') &&
      settings.shouldRefresh === withTokensDefaults.shouldRefresh;
    return plain
      ? response
      : sendAndReplay(fetch, tokens, settings, url, init, undefined, undefined, mode, set, headers, response);
  });
}

function sendWithTokens(
  fetch: typeof globalThis.fetch,
  tokens: TokenManager,
  settings: TokenSettings,
  url: string,
  init: RequestInit | undefined,
  request: Request | undefined,
  mode: RequestRedirect | undefined,
): Promise<Response> {
  // Taken before the first send: a Request with a body is cloned once (the template is read only by a hop's `hopBody`).
  const template = request && request.body !== null ? request.clone() : request;
  const sent = sendAndReplay(fetch, tokens, settings, url, init, request, template, mode);
  if (template === request) return sent;
  // Nothing else reads the template's tee branch: release it, without waiting. A tee branch's
  // cancel settles only once the other branch is read or cancelled too, which a send that failed
  // before reading its body (an abort during the refresh wait, a fetch that rejects) never does.
  return sent.finally(() => releaseBody(template!));
}

/**
 * A copy of the caller's header record (`undefined`: none; never changed) with `header: value`.
 * `hasHeader` proved that no key for `header` (any case) is set: one set to `undefined` or `null`,
 * which fetch would send as `"undefined"` beside the token (`Headers.set` replaced it), is left out.
 */
function withHeader(
  given: Record<string, string> | undefined,
  header: string,
  value: string,
): Record<string, string> {
  const record = { ...given };
  // ASCII keys only: `\u212A` (Kelvin) lower-cases to `k`, and a name no `Headers` takes stays for fetch to refuse.
  for (const key in record)
    if (key.toLowerCase() === header.toLowerCase() && !/[^\0-\x7f]/.test(key)) delete record[key];
  record[header] = value;
  return record;
}

/** The send loop: the first send (or `sendFresh`'s, with its `set`, `headers` and `response`) and its replays. */
async function sendAndReplay(
  fetch: typeof globalThis.fetch,
  tokens: TokenManager,
  settings: TokenSettings,
  url: string,
  init: RequestInit | undefined,
  request: Request | undefined,
  template: Request | undefined,
  mode: RequestRedirect | undefined,
  fresh?: TokenSet,
  headers?: Headers | Record<string, string>,
  sent?: Response,
): Promise<Response> {
  const signal = (request ?? init)?.signal;
  const replayable = request !== undefined || isReplayableBody(init?.body);
  // A set fresh right now is used at once, with no await before the send (decision 0019).
  let set = fresh ?? (signal?.aborted ? undefined : tokens.freshTokens()) ?? (await tokenSet(tokens, signal));
  let [response, proof] = await attempt(
    fetch,
    settings,
    url,
    init,
    request,
    template,
    set,
    mode,
    replayable,
    headers,
    sent,
  );
  let nonceReplayed = false;
  let refreshed = false;
  try {
    for (;;) {
      // Whether the response came from where the token went: not after a hop we stripped (we
      // followed, `'manual'`), and — where the runtime followed redirects (browsers) — not from
      // another origin than the request's: the runtime stripped `Authorization` there, even for an
      // origin the policy allows. Every response teaches the nonce; only one from where the proof
      // went can challenge it.
      const allowed =
        !isWithheld(response) &&
        (!response.redirected ||
          (mode === 'manual'
            ? settings.allows(response.url, documentBase())
            : new URL(response.url, url).origin === new URL(url).origin));
      // A proof went only with a constraint.
      if (
        proof &&
        settings.constraint!.isNonceReplay(
          response,
          proof,
          !nonceReplayed && allowed,
          response, // after hops we followed: judged against the last hop's own proof
          url,
        )
      ) {
        nonceReplayed = true;
        if (!replayable) return response; // a stream: the nonce is learned for the next request
        set = await tokenSet(tokens, signal); // the same token: a nonce challenge refreshes nothing
      } else {
        if (!allowed || !settings.shouldRefresh(response, settings.schemeOf(set))) return response;
        // The rare path: a 401 for the token `set` carried.
        tokens.invalidate(set.accessToken); // a late 401 (token already replaced) refreshes nothing
        if (refreshed || !replayable) return response; // a replay's 401 stands; a stream cannot be sent again
        refreshed = true;
        const next = await tokenSet(tokens, signal);
        if (next.accessToken === set.accessToken) return response; // no other token: the 401 stands
        set = next;
      }
      releaseBody(response); // not awaited: a cloned response's cancel may never settle
      const bytes = template && hopBodies.get(template);
      const source =
        template && template.body !== null
          ? bytes
            ? copyRequest(template, { body: bytes })
            : template.clone()
          : template;
      [response, proof] = await attempt(fetch, settings, url, init, source, template, set, mode, replayable);
    }
  } catch (error) {
    // No replay after all (no token for it: a failed refresh, an abort; a nonce error).
    throw misread(response, error);
  }
}

/**
 * What to throw once something failed with `response` at hand. Judged only then, so no request
 * pays for it: a `fetch` that resolved with no Response (`undefined` from a careless mock, an old
 * polyfill's answer without `headers.get`) is named, not the TypeError its lack caused (decision
 * 0900); a Response is released, as nobody will read it (undici holds its connection until then).
 */
function misread(response: Response | undefined, error: unknown): unknown {
  if (!response?.headers?.get) {
    return new TypeError('withTokens(): fetch must resolve with a Response', { cause: error });
  }
  releaseBody(response);
  return error;
}

/**
 * A template's body, once a hop read it: the bytes every later hop and replay of that call sends.
 * The template itself is read (not a clone of it): its tee branch already queues the whole body,
 * and reading a clone would hold that queue and a second copy while the hops run (decision 0901).
 */
const hopBodies = new WeakMap<Request, ArrayBuffer>();

/**
 * One send with the token of `set` (and a fresh proof): the first and each replay; or, given its
 * `sent` response, the send `sendFresh` made with `headers`. Where Tessera follows redirects itself
 * (`manual`), every hop is checked by `followRedirects`. A `Request`'s body was read by the send; a
 * hop that keeps it (307/308) gets its bytes from `template` (the clone taken before the
 * first send), read once into `hopBodies`, as fetch re-sends its own source.
 */
async function attempt(
  fetch: typeof globalThis.fetch,
  settings: TokenSettings,
  url: string,
  init: RequestInit | undefined,
  request: Request | undefined,
  template: Request | undefined,
  set: TokenSet,
  mode: RequestRedirect | undefined,
  replayable: boolean,
  given?: Headers | Record<string, string>,
  response?: Response,
): Promise<[Response, Record<string, string> | undefined]> {
  let proof: Record<string, string> | undefined;
  // A copy of `sendFresh`'s headers (with the token) or the caller's (the token set below).
  const headers = new Headers(given ?? (request ?? init)?.headers);
  if (!response) {
    const pending = settings.authorizeRequest(headers, set, (request ?? init)?.method ?? 'GET', url);
    proof = pending && (await pending);
    response = await send(fetch, url, init, request, headers, mode);
  }
  try {
    if (mode !== 'manual' || !isRedirect(response)) return [response, proof];
  } catch (error) {
    throw misread(response, error);
  }
  const hop: RedirectHop['init'] = request
    ? {
        ...init,
        method: request.method,
        headers,
        body:
          template?.body && !redirectDropsBody(response.status, request.method)
            ? await hopBody(template)
            : null,
        signal: request.signal,
        redirect: 'manual',
      }
    : { ...init, headers, redirect: 'manual' };
  return [
    await followRedirects(response, { url, init: hop }, { ...settings, fetch, resend: replayable }),
    proof,
  ];
}

/** The bytes of `template`'s body, read from it at the first hop that sends them (`hopBodies`). */
async function hopBody(template: Request): Promise<ArrayBuffer> {
  let bytes = hopBodies.get(template);
  if (!bytes) {
    bytes = await template.arrayBuffer();
    hopBodies.set(template, bytes);
  }
  return bytes;
}

/** Hands one send to `fetch`: the caller's init or `Request` with `headers` (and `redirect: mode`). */
function send(
  fetch: typeof globalThis.fetch,
  url: string,
  init: RequestInit | undefined,
  request: Request | undefined,
  headers: Headers | Record<string, string>,
  mode: RequestRedirect | undefined,
): Promise<Response> {
  const only: RequestInit = mode ? { headers, redirect: mode } : { headers };
  // Not `{ ...init, headers }`: in Node 20's V8 a spread followed by own properties takes a slow
  // path (~0.5 µs per property, decision 0019); Object.assign copies the same own properties.
  return request
    ? fetch(copyRequest(request, only), init)
    : fetch(url, init ? Object.assign({}, init, only) : only); // no init to copy: one literal
}

/**
 * A `Request` of another copy of fetch (npm `undici`, node-fetch): not an `instanceof` the global
 * `Request`, which cannot read it (`Failed to parse URL from [object Request]`); only that copy's own
 * `fetch` and `Request` take it. Known by its brand (`Symbol.toStringTag`) and a string `url`.
 */
function isOtherRequest(input: unknown): input is Request {
  return (
    Object.prototype.toString.call(input) === '[object Request]' && typeof (input as Request).url === 'string'
  );
}

/** `new Request(request, init)`, made by the class that made `request` (see `isOtherRequest`). */
function copyRequest(request: Request, init: RequestInit): Request {
  const Own = typeof Request !== 'undefined' && request instanceof Request ? Request : request.constructor;
  return new (Own as typeof Request)(request, init);
}

/** One token set; an abort rejects with the caller's `signal.reason`, as fetch does (`withTokens` and `kyHooks`). */
export function tokenSet(tokens: TokenManager, signal: AbortSignal | null | undefined): Promise<TokenSet> {
  if (!signal) return tokens.getTokens();
  return tokens.getTokens({ signal }).catch((error: unknown) => {
    if (signal.aborted && isTesseraError(error, 'ABORTED')) throw signal.reason;
    throw error;
  });
}

function resolve(input: string, base: string | undefined, allows: TokenSettings['allows']): Target | null {
  try {
    const { href } = new URL(input, base);
    return { url: href, allowed: allows(href, base) }; // an opaque origin (`data:`, `file:`…): never allowed
  } catch {
    return null;
  }
}

/** The input with a string resolved against the base (as the token path sends it). */
function normalised(
  input: Request | string | URL,
  targetOf: (input: string) => Target | undefined,
): Request | string | URL {
  return typeof input === 'string' ? (targetOf(input)?.url ?? input) : input;
}
