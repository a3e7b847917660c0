import type { JsonWebKey, KeyObject } from 'node:crypto';
import type {
  Clock,
  FetchLike,
  RefreshLock,
  RetryOptions,
  SenderConstraint,
  TokenStorage,
} from '@tessera/core';

/**
 * What the `dpop` option takes: `createDPoP({ key })` from `@tessera/dpop` (this package does not
 * depend on it). Its `fetch` sends the token requests with a proof and answers nonce challenges.
 */
export interface ClientDPoP extends SenderConstraint {
  /** A `fetch` that adds a DPoP proof to each request (`dpop.fetch`). */
  readonly fetch: FetchLike;
  /** What each target's `TokenManager` signs its requests with (see `SenderConstraint.wrapFetch`). */
  wrapFetch(fetch: FetchLike | undefined): FetchLike;
  /**
   * `false` for a key generated in this process (`createDPoP()` without `key`): refused with a
   * `storage`, whose other readers could not use the tokens bound to it.
   */
  readonly persistent?: boolean | undefined;
}

/**
 * How the client authenticates at the token endpoint. `tls_client_auth` and `self_signed_tls_client_auth`
 * (RFC 8705): by the client certificate of the TLS connection alone, which `fetch` presents (undici's
 * `fetch` with an `Agent` holding `cert` and `key`); `client_id` in the body, no secret.
 */
export type ClientCredentialsAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/** JWS algorithms a `private_key_jwt` client assertion can be signed with. */
export type SigningAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/**
 * What a token is for. One token is cached per distinct target; scope order and duplicates do not
 * make a new target.
 */
export interface TokenTarget {
  /**
   * Scopes, space-separated (tabs and line breaks count as spaces) or as an array. Sent sorted and
   * de-duplicated. Other whitespace (a no-break space) or a control character inside a scope is a `TypeError`.
   * @default undefined (no `scope` parameter)
   */
  scope?: string | readonly string[] | undefined;
  /**
   * The `audience` parameter (Auth0, Okta custom servers and others), sent as given: one that is blank
   * or has whitespace around it is a `TypeError` (servers compare audiences as strings).
   * @default undefined (no `audience` parameter)
   */
  audience?: string | readonly string[] | undefined;
  /**
   * RFC 8707 resource indicator(s): absolute URIs without a fragment or whitespace. Arrays are sent sorted.
   * @default undefined (no `resource` parameter)
   */
  resource?: string | readonly string[] | undefined;
}

/**
 * Options of `clientCredentials(options)`. Give exactly one of `tokenUrl` and `issuer`, and the
 * credential the `authMethod` needs. Durations are milliseconds.
 */
export interface ClientCredentialsOptions extends TokenTarget {
  /**
   * The token endpoint, e.g. `https://auth.example.com/oauth/token`.
   * @default undefined (give `issuer` instead)
   */
  tokenUrl?: string | URL | undefined;
  /**
   * The authorization server's issuer identifier. Its token endpoint is read once, on the first
   * token request, from RFC 8414 metadata (`/.well-known/oauth-authorization-server`) or else
   * OpenID Connect discovery (`/.well-known/openid-configuration`). The document's `issuer` must be
   * identical to this value. An issuer with a query is a `TypeError` when the client is created
   * (RFC 8414 §2).
   * @default undefined (give `tokenUrl` instead)
   */
  issuer?: string | URL | undefined;
  /** The `client_id`, exactly as registered: not blank, no whitespace around it (a `TypeError` otherwise). */
  clientId: string;
  /**
   * The client secret, for `client_secret_basic` and `client_secret_post`. Never appears in an
   * error message. Blank, or beginning or ending with a line break, a tab or other whitespace but a
   * space, is a `TypeError`.
   * @default undefined
   */
  clientSecret?: string | undefined;
  /**
   * The private key for `private_key_jwt`: a PEM string (PKCS#8, PKCS#1 or SEC1), a private JWK, or
   * a `KeyObject` (not a `Buffer`: read a PEM file with `readFileSync(path, 'utf8')`; not a `CryptoKey`:
   * pass `KeyObject.from(cryptoKey)`; an encrypted PEM: `createPrivateKey({ key, passphrase })`);
   * RSA keys of 2048 bits or more. Checked when the client is created: a JWK whose `use` is not `sig`, or whose
   * `key_ops` lack `sign`, is refused. Requires the optional peer dependency `jose`.
   * @default undefined
   */
  privateKey?: string | JsonWebKey | KeyObject | undefined;
  /**
   * How the client authenticates (RFC 6749 §2.3, RFC 7523, RFC 8705). With `tls_client_auth` or
   * `self_signed_tls_client_auth`, give neither `clientSecret` nor `privateKey`: pass a `fetch` that
   * presents the client certificate.
   * @default 'private_key_jwt' when `privateKey` is given, else 'client_secret_basic'
   */
  authMethod?: ClientCredentialsAuthMethod | undefined;
  /**
   * Algorithm of the `private_key_jwt` assertion.
   * @default the JWK's `alg`, else from the key: RSA → RS256, P-256 → ES256,
   * P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA
   */
  signingAlgorithm?: SigningAlgorithm | undefined;
  /**
   * The `kid` header of the `private_key_jwt` assertion. A JWK `kid` that is not a string (a number)
   * is refused rather than dropped or guessed at: pass it here as the string the server knows.
   * Blank or with whitespace around it is a `TypeError`.
   * @default the JWK's `kid`, else no `kid`
   */
  keyId?: string | undefined;
  /**
   * The `aud` claim of the `private_key_jwt` assertion. Some servers want the issuer identifier
   * (recommended by the 2025 OpenID audience-injection advisory) instead of the token endpoint.
   * Blank or with whitespace around it is a `TypeError`.
   * @default the token endpoint URL as requested (`URL`'s serialisation: lower-case scheme and host,
   *   an IDN host in punycode, dot segments and a default port removed)
   */
  assertionAudience?: string | undefined;
  /**
   * Further form parameters sent with every token request of this client. Must not repeat a
   * parameter Tessera sets (`grant_type`, `client_id`, `client_secret`, `client_assertion`,
   * `client_assertion_type`, `scope`, `audience`, `resource`). They are part of every target's
   * `key` (`…|tenant=acme`), so clients that differ in them never share a stored token or a lock.
   * Their values may be secrets (an API key): keys hold only their digest, and errors and events
   * show `[redacted]` where the server echoes one.
   * @default {}
   */
  extraParams?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /**
   * How long before expiry (ms) a token is replaced; at most half the token's lifetime.
   * @default 30_000
   */
  refreshMargin?: number | undefined;
  /**
   * Retries of transient failures (network, timeout, 408, 429, 5xx), as in `@tessera/core`; `false`
   * disables them. Discovery is retried by the same policy.
   * @default { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 10_000, randomize: true, maxRetryAfter: 60_000 }
   */
  retry?: RetryOptions | false | undefined;
  /**
   * Timeout of one token request attempt (discovery included), in ms, > 0. `Infinity`: none (`0` is
   * refused: it is not axios's "none").
   * @default 10_000
   */
  timeout?: number | undefined;
  /**
   * Most targets `for()` holds besides the configured one. A new target beyond it throws a
   * `RangeError` instead of growing memory (a manager, and a Redis subscription with `@tessera/redis`)
   * without bound; disposing a target's manager frees its place. `Infinity` for no limit.
   * @default 1_000
   */
  maxTargets?: number | undefined;
  /**
   * Where each target's token set is kept, given the target's `key` (e.g. a Redis storage).
   * @default () => memoryStorage()
   */
  storage?: ((key: string) => TokenStorage) | undefined;
  /**
   * Serialises token requests across processes (e.g. `cache.lock` of `redisTokenCache()` from
   * `@tessera/redis`); each target locks its own `key`.
   * @default undefined (one flight per target within this process)
   */
  lock?: RefreshLock | undefined;
  /**
   * Replace tokens shortly before expiry with an unref'd timer instead of on the next call.
   * @default false
   */
  refreshInBackground?: boolean | undefined;
  /**
   * The `fetch` for token and discovery requests. For a proxy, a custom CA or mTLS, pass undici's
   * `fetch` bound to a dispatcher from the same undici (see the README). Keep it free of auth wrappers.
   * @default globalThis.fetch, read at each request
   */
  fetch?: FetchLike | undefined;
  /**
   * DPoP (RFC 9449): pass `createDPoP({ key })` from `@tessera/dpop`, with a P-256 `KeyObject` from
   * your secret store (every process that shares a `storage` must use the same key: `createDPoP()`
   * without a key, which generates one in memory, is a `TypeError` together with `storage`). Token requests
   * then go through `dpop.fetch` (a proof each, server nonces answered with one retry) and the
   * tokens must come back as `token_type: DPoP` (a `Bearer` answer is a `MalformedResponseError`,
   * never a silent downgrade). Each target's manager gets it as its `senderConstraint`, so
   * `attachTokenManager(api, client.for())` and `withTokens(fetch, client.for())` send a fresh proof
   * per request with no further option, and a stored set is bound to the key. For a proxy or mTLS,
   * give your `fetch` to `createDPoP({ fetch })` instead of the `fetch` option here.
   * @default undefined (bearer tokens)
   */
  dpop?: ClientDPoP | undefined;
  /**
   * Accept `tokenUrl`/`issuer` (and discovered endpoints) over `http:` on hosts that are not
   * loopback. Secrets and tokens then travel in clear text: only for private networks you trust.
   * @default false (http: only to localhost, 127.0.0.1, [::1])
   */
  allowInsecureHttp?: boolean | undefined;
  /**
   * The current time as epoch ms (token expiry and assertion `iat`/`exp`). Inject one in tests.
   * @default Date.now
   */
  clock?: Clock | undefined;
}

/** Every key `clientCredentials(options)` knows, to catch typos in plain JS. */
export const CLIENT_CREDENTIALS_OPTION_KEYS = [
  'tokenUrl',
  'issuer',
  'clientId',
  'clientSecret',
  'privateKey',
  'authMethod',
  'signingAlgorithm',
  'keyId',
  'assertionAudience',
  'scope',
  'audience',
  'resource',
  'extraParams',
  'refreshMargin',
  'retry',
  'timeout',
  'maxTargets',
  'storage',
  'lock',
  'refreshInBackground',
  'fetch',
  'dpop',
  'allowInsecureHttp',
  'clock',
] as const satisfies ReadonlyArray<keyof ClientCredentialsOptions>;

/** How Tessera takes what other SDKs take as `dispatcher`, `agent` or an HTTP client: the README's recipe. */
const VIA_UNDICI_FETCH =
  'for a proxy, a private CA or mTLS pass a fetch that uses an undici dispatcher: fetch: (url, init) => undiciFetch(url, { ...init, dispatcher }), fetch and dispatcher from one undici (README: Proxies, private CAs and mTLS)';

/**
 * Options of `clientCredentials()` renamed or removed, and transport options other SDKs take
 * (undici's `dispatcher`, an `http.Agent` as `agent` or axios's `httpsAgent`/`httpAgent`), with what
 * to use instead.
 */
export const REPLACED_OPTION_KEYS: Readonly<Record<string, string>> = {
  httpClient: `httpClient (an axios instance) was replaced by fetch in 0.2: ${VIA_UNDICI_FETCH}`,
  dispatcher: VIA_UNDICI_FETCH,
  agent: VIA_UNDICI_FETCH,
  // axios's names for an `http.Agent`: what a service moving from axios passes.
  httpsAgent: VIA_UNDICI_FETCH,
  httpAgent: VIA_UNDICI_FETCH,
};

/** Every key of a `TokenTarget`. */
export const TOKEN_TARGET_KEYS = ['scope', 'audience', 'resource'] as const satisfies ReadonlyArray<
  keyof TokenTarget
>;

/**
 * The defaults `@tessera/node` applies itself; `refreshMargin`, `retry` and `timeout` are core's
 * `tokenManagerDefaults`.
 */
export const clientCredentialsDefaults = {
  /** `authMethod` without a `privateKey` (with one: `private_key_jwt`). */
  authMethod: 'client_secret_basic',
  /** Lifetime of a `private_key_jwt` assertion, in ms. */
  assertionLifetime: 60_000,
  /** Most targets `for()` holds besides the configured one. */
  maxTargets: 1_000,
} as const;
