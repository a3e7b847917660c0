import { parseEndpointUrl, parseIssuerUrl } from '../endpoint-url.js';
import { AbortError } from '../errors/abort-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { isTesseraError } from '../errors/guards.js';
import type { FetchLike } from '../fetch-like.js';
import { describeRequest } from '../internal/describe-request.js';
import { isRecord } from '../internal/is-record.js';
import { exchange, failureOf } from '../internal/oauth-exchange.js';
import type { Redact } from '../internal/redact.js';
import { quotable } from '../internal/server-text.js';
import { isTransient } from '../transient.js';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import { metadataUrls } from './metadata-urls.js';

/** Options of `discover(issuer, options)`. Durations in milliseconds. */
export interface DiscoverOptions {
  /**
   * The `fetch` that sends the metadata requests. Lookups are cached per issuer, `fetch` and `allowInsecureHttp`.
   * @default globalThis.fetch, read at call time
   */
  fetch?: FetchLike | undefined;
  /**
   * Stops waiting; the shared lookup itself is aborted once every caller waiting for it has aborted.
   * @default undefined (wait until the lookup settles or times out)
   */
  signal?: AbortSignal | undefined;
  /**
   * Timeout of each metadata request, in ms.
   * @default 10_000
   */
  timeout?: number | undefined;
  /**
   * Accept an `http:` issuer, and `http:` endpoints in its metadata, on a host that is not loopback (an
   * `https:` issuer's endpoints stay `https:` only).
   * @default false (http: only to localhost, 127.0.0.1, [::1]; an `http:` endpoint off loopback is a `DiscoveryError`
   *   even for a loopback `http:` issuer)
   */
  allowInsecureHttp?: boolean | undefined;
}

/** Endpoint fields checked as configured URLs are, and https (http only for an http issuer, off loopback with `allowInsecureHttp`). */
const ENDPOINTS = [
  'token_endpoint',
  'authorization_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
];

/** No secrets in a discovery request: nothing to redact. */
const NO_SECRETS: Redact = (text) => text;
const LABEL = 'Discovery request';

/** One lookup in flight or done, shared by every caller asking for the same issuer with the same fetch. */
interface Lookup {
  promise: Promise<AuthorizationServerMetadata>;
  controller: AbortController;
  /** Callers with a signal still waiting; `-1` once settled. */
  waiters: number;
}

const cache = new WeakMap<FetchLike, Map<string, Lookup>>();
/**
 * Issuers kept per `fetch`; the one looked up first is forgotten first (a service that discovers
 * issuers it is handed must not grow without bound). A forgotten issuer is simply looked up again.
 */
const MAX_ISSUERS = 100;

/**
 * Reads the authorization server metadata of `issuer`: RFC 8414
 * (`/.well-known/oauth-authorization-server`, between host and path), else OpenID Connect Discovery
 * (`/.well-known/openid-configuration`, after the path). The document's `issuer` must be identical
 * to the one given (RFC 8414 §3.3; a `URL` is compared in its `href` form).
 *
 * One lookup per issuer, `fetch` and `allowInsecureHttp`: concurrent callers share it and a success is kept for the life
 * of the process, for the last 100 issuers looked up with that `fetch`; a failure is forgotten at
 * once, so the next call looks again. Callers share the object returned: it is frozen, and so are
 * the arrays and objects in its fields.
 *
 * @throws {TypeError} `issuer` is not an absolute https URL (http only on loopback or with `allowInsecureHttp`).
 * @throws {DiscoveryError} no metadata, an `issuer` mismatch, or a checked endpoint (`ENDPOINTS`) that is not an absolute https URL
 *   (or has credentials or a fragment, or is http off loopback without `allowInsecureHttp`: `parseEndpointUrl`'s rule).
 * @throws {MalformedResponseError} a metadata answer over 1 MiB (`too_large`), or a 2xx one that broke off
 *   (`incomplete`): the next URL is not asked.
 * @throws {NetworkError | TimeoutError | HttpError | RateLimitError | OAuthError} a transient failure
 *   (worth retrying); the message names the metadata URL.
 * @throws {AbortError} `signal` aborted (or its reason, when that is a Tessera error of any copy of core).
 */
export async function discover(
  issuer: string | URL,
  options: DiscoverOptions = {},
): Promise<AuthorizationServerMetadata> {
  const url = parseIssuerUrl(issuer, 'discover: issuer', options.allowInsecureHttp);
  const { signal } = options;
  const aborted = (): unknown =>
    isTesseraError(signal?.reason) ? signal?.reason : new AbortError(signal?.reason);
  if (signal?.aborted) throw aborted();
  const id = String(issuer);
  // What `read` accepts depends on `allowInsecureHttp`: a lookup made with it is not another caller's.
  const key = options.allowInsecureHttp ? `http ${id}` : id;
  const fetchImpl: FetchLike = options.fetch ?? globalThis.fetch;
  const lookups = cache.get(fetchImpl) ?? new Map<string, Lookup>();
  cache.set(fetchImpl, lookups);
  let lookup = lookups.get(key);
  if (!lookup) {
    const controller = new AbortController();
    const created: Lookup = {
      controller,
      waiters: 0,
      promise: read(
        id,
        url,
        fetchImpl,
        options.timeout ?? 10_000,
        controller.signal,
        options.allowInsecureHttp,
      ),
    };
    const settle = (): void => {
      created.waiters = -1;
    };
    created.promise.then(settle, () => {
      settle();
      if (lookups.get(key) === created) lookups.delete(key);
    });
    if (lookups.size >= MAX_ISSUERS) lookups.delete(lookups.keys().next().value as string);
    lookups.set(key, created);
    lookup = created;
  }
  // A caller without a signal waits for good: the lookup can no longer be aborted.
  if (lookup.waiters >= 0) lookup.waiters += 1;
  if (!signal) return lookup.promise;
  const shared = lookup;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      // The last caller to stop waiting stops the lookup too.
      if (--shared.waiters === 0) {
        if (lookups.get(key) === shared) lookups.delete(key);
        shared.controller.abort(signal.reason);
      }
      reject(aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function read(
  id: string,
  issuer: URL,
  fetch: FetchLike,
  timeout: number,
  signal: AbortSignal,
  allowInsecureHttp?: boolean,
): Promise<AuthorizationServerMetadata> {
  const misses: string[] = [];
  for (const url of metadataUrls(issuer)) {
    const response = await exchange({
      method: 'GET',
      url,
      headers: { Accept: 'application/json' },
      fetch,
      timeout,
      signal,
      redact: NO_SECRETS,
      label: LABEL,
    });
    const failure = failureOf(response, NO_SECRETS, LABEL);
    if (failure && isTransient(failure)) throw failure;
    const at = describeRequest('', url).trim();
    const document = response.json;
    if (!failure && isRecord(document)) {
      if (document.issuer !== id) {
        const named = typeof document.issuer === 'string' ? `"${quotable(document.issuer)}"` : 'no issuer';
        throw new DiscoveryError(
          'issuer_mismatch',
          id,
          `the metadata at ${at} names ${named.replace(/\/\/[^/?#\s@]*@/g, '//')}; the issuer must be identical (RFC 8414 §3.3)`,
        );
      }
      // RFC 8705 §5: the endpoints a certificate-authenticated client uses instead, checked alike.
      const aliases = document.mtls_endpoint_aliases;
      for (const field of ENDPOINTS) {
        for (const [name, value] of [
          [field, document[field]],
          [`mtls_endpoint_aliases.${field}`, isRecord(aliases) ? aliases[field] : undefined],
        ]) {
          if (!usable(value, issuer, allowInsecureHttp) && (value !== undefined || name === ENDPOINTS[0])) {
            throw new DiscoveryError(
              field === ENDPOINTS[0] ? 'invalid_token_endpoint' : 'invalid_endpoint',
              id,
              `the metadata at ${at} has no usable ${name} (an absolute https URL without credentials or fragment is required)`,
            );
          }
        }
      }
      // Every caller shares this object (the lookup is cached): frozen, with its arrays and objects
      // (`scopes_supported`, `mtls_endpoint_aliases`), so one caller cannot change another's endpoints.
      const metadata = Object.freeze({ ...document });
      for (const value of Object.values(metadata)) Object.freeze(value);
      return metadata as AuthorizationServerMetadata;
    }
    misses.push(`${at} (${failure ? `HTTP ${response.status}` : 'not a JSON object'})`);
  }
  throw new DiscoveryError('not_found', id, `no metadata at ${misses.join(' nor at ')}`);
}

/**
 * A URL `parseEndpointUrl` accepts for a configured endpoint (absolute, no credentials, no fragment,
 * http only to loopback or with `allowInsecureHttp`, as a request to it would be sent), and https:
 * http only when the issuer itself is http.
 */
function usable(value: unknown, issuer: URL, allowInsecureHttp?: boolean): boolean {
  try {
    return (
      parseEndpointUrl(value as string, '', allowInsecureHttp).protocol === 'https:' ||
      issuer.protocol === 'http:'
    );
  } catch {
    return false;
  }
}
