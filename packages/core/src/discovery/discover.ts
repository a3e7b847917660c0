import { parseEndpointUrl } from '../endpoint-url.js';
import { AbortError } from '../errors/abort-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { TesseraError } from '../errors/tessera-error.js';
import { describeRequest } from '../internal/describe-request.js';
import { exchange, failureOf, isRecord } from '../internal/oauth-exchange.js';
import { Redactor } from '../internal/redact.js';
import { isTransient } from '../transient.js';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import { metadataUrls } from './metadata-urls.js';

/** Options of `discover(issuer, options)`. Durations in milliseconds. */
export interface DiscoverOptions {
  /**
   * The `fetch` that sends the metadata requests. Lookups are cached per issuer and per `fetch`.
   * @default globalThis.fetch, read at call time
   */
  fetch?: typeof fetch | undefined;
  /** Stops waiting; the shared lookup itself is aborted once every caller waiting for it has aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Timeout of each metadata request, in ms.
   * @default 10_000
   */
  timeout?: number | undefined;
  /**
   * Accept an `http:` issuer on a host that is not loopback.
   * @default false
   */
  allowInsecureHttp?: boolean | undefined;
}

/** Endpoint fields checked to be absolute https URLs (http only for an http issuer). */
const ENDPOINT_FIELDS = [
  'token_endpoint',
  'authorization_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
  'registration_endpoint',
];

const DEFAULT_TIMEOUT = 10_000;
const NO_SECRETS = new Redactor([]);

/** One lookup in flight or done, shared by every caller asking for the same issuer with the same fetch. */
interface Lookup {
  promise: Promise<AuthorizationServerMetadata>;
  controller: AbortController;
  waiters: number;
  settled: boolean;
}

const cache = new WeakMap<typeof fetch, Map<string, Lookup>>();

/**
 * Reads the authorization server metadata of `issuer`: RFC 8414
 * (`/.well-known/oauth-authorization-server`, between host and path), else OpenID Connect Discovery
 * (`/.well-known/openid-configuration`, after the path). The document's `issuer` must be identical
 * to the one given (RFC 8414 §3.3; a `URL` is compared in its `href` form).
 *
 * One lookup per issuer and `fetch`: concurrent callers share it and a success is kept for the life
 * of the process; a failure is forgotten at once, so the next call looks again.
 *
 * @throws {TypeError} `issuer` is not an absolute https URL (http only on loopback or with `allowInsecureHttp`).
 * @throws {DiscoveryError} no metadata, an `issuer` mismatch, or an endpoint that is not an absolute https URL.
 * @throws {NetworkError | TimeoutError | HttpError | RateLimitError | OAuthError} a transient failure
 *   (worth retrying); the message names the metadata URL.
 * @throws {AbortError} `signal` aborted (or its reason, when that is a Tessera error).
 */
export function discover(
  issuer: string | URL,
  options: DiscoverOptions = {},
): Promise<AuthorizationServerMetadata> {
  let issuerUrl: URL;
  try {
    issuerUrl = parseEndpointUrl(issuer, 'discover: issuer', options.allowInsecureHttp);
    if (issuerUrl.search !== '') throw new TypeError('discover: issuer must not have a query (RFC 8414 §2)');
  } catch (error) {
    return Promise.reject(error);
  }
  const identifier = String(issuer);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let lookups = cache.get(fetchImpl);
  if (!lookups) {
    lookups = new Map();
    cache.set(fetchImpl, lookups);
  }
  let lookup = lookups.get(identifier);
  if (!lookup) {
    const controller = new AbortController();
    const created: Lookup = {
      controller,
      waiters: 0,
      settled: false,
      promise: readMetadata(identifier, issuerUrl, {
        fetch: fetchImpl,
        timeout: options.timeout ?? DEFAULT_TIMEOUT,
        signal: controller.signal,
      }),
    };
    const forget = (): void => {
      if (lookups.get(identifier) === created) lookups.delete(identifier);
    };
    created.promise.then(
      () => {
        created.settled = true;
      },
      () => {
        created.settled = true;
        forget();
      },
    );
    lookups.set(identifier, created);
    lookup = created;
  }
  return wait(lookup, options.signal, () => {
    if (lookups.get(identifier) === lookup) lookups.delete(identifier);
  });
}

/** `lookup`'s result for one caller, who may stop waiting; the last one to stop aborts the lookup. */
function wait(
  lookup: Lookup,
  signal: AbortSignal | undefined,
  forget: () => void,
): Promise<AuthorizationServerMetadata> {
  if (!signal) return lookup.promise;
  const abortError = (): unknown =>
    signal.reason instanceof TesseraError ? signal.reason : new AbortError(signal.reason);
  if (signal.aborted) return Promise.reject(abortError());
  lookup.waiters += 1;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      lookup.waiters -= 1;
      if (lookup.waiters === 0 && !lookup.settled) {
        forget();
        lookup.controller.abort(signal.reason);
      }
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    lookup.promise.then(
      (metadata) => {
        signal.removeEventListener('abort', onAbort);
        lookup.waiters -= 1;
        resolve(metadata);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        lookup.waiters -= 1;
        reject(error);
      },
    );
  });
}

async function readMetadata(
  identifier: string,
  issuer: URL,
  options: { fetch: typeof fetch; timeout: number; signal: AbortSignal },
): Promise<AuthorizationServerMetadata> {
  const misses: string[] = [];
  const label = 'Discovery request';
  for (const url of metadataUrls(issuer)) {
    const response = await exchange({
      method: 'GET',
      url,
      headers: { Accept: 'application/json' },
      ...options,
      redactor: NO_SECRETS,
      label,
    });
    const failure = failureOf(response, NO_SECRETS, label);
    if (failure && isTransient(failure)) throw failure;
    const document = !failure && isRecord(response.json) ? response.json : undefined;
    if (document) return checkMetadata(document, identifier, issuer, url);
    const where = describeRequest('GET', url).slice(4);
    misses.push(`${where} (${failure ? `HTTP ${response.status}` : 'not a JSON object'})`);
  }
  throw new DiscoveryError('not_found', identifier, `no metadata at ${misses.join(' nor at ')}`);
}

function checkMetadata(
  document: Record<string, unknown>,
  identifier: string,
  issuer: URL,
  url: URL,
): AuthorizationServerMetadata {
  const at = describeRequest('GET', url).slice(4);
  if (document.issuer !== identifier) {
    const said =
      typeof document.issuer === 'string'
        ? `"${document.issuer.slice(0, 200).replace(/\/\/[^/?#\s@]*@/g, '//')}"`
        : 'no issuer';
    throw new DiscoveryError(
      'issuer_mismatch',
      identifier,
      `the metadata at ${at} names ${said}; the issuer must be identical (RFC 8414 §3.3)`,
    );
  }
  for (const field of ENDPOINT_FIELDS) {
    const value = document[field];
    if (value === undefined && field !== 'token_endpoint') continue;
    if (!isUsableEndpoint(value, issuer)) {
      throw new DiscoveryError(
        field === 'token_endpoint' ? 'invalid_token_endpoint' : 'invalid_endpoint',
        identifier,
        `the metadata at ${at} has no usable ${field} (an absolute https URL is required)`,
      );
    }
  }
  return { ...document } as AuthorizationServerMetadata;
}

/** An absolute https URL without credentials; http only when the issuer itself is http. */
function isUsableEndpoint(value: unknown, issuer: URL): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && issuer.protocol === 'http:');
}
