import {
  assertKnownOptions,
  type CanonicalTarget,
  type Clock,
  type FetchLike,
  parseEndpointUrl,
  parseIssuerUrl,
  systemClock,
  type TokenRequestParams,
  tokenManagerDefaults,
} from '@tessera/core';
import { assertNoSurroundingWhitespace } from './assert-no-surrounding-whitespace.js';
import {
  CLIENT_CREDENTIALS_OPTION_KEYS,
  type ClientCredentialsOptions,
  clientCredentialsDefaults,
  REPLACED_OPTION_KEYS,
} from './client-credentials-options.js';
import { type SigningKey, toSigningKey } from './private-key.js';
import { normalizeTarget } from './token-target.js';

/** How the client authenticates, with the credential it needs. */
export type ClientAuth =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientSecret: string }
  | { method: 'private_key_jwt'; signingKey: SigningKey; assertionAudience: string | undefined }
  | { method: 'tls_client_auth' | 'self_signed_tls_client_auth' };

/** Validated options, shared by every target of one client. */
export interface ClientConfig {
  clientId: string;
  /** Exactly one of `tokenUrl` and `issuer` is set. */
  tokenUrl: string | undefined;
  issuer: string | undefined;
  auth: ClientAuth;
  extraParams: TokenRequestParams;
  /** The target of the root manager. */
  target: CanonicalTarget;
  timeout: number;
  /** Most targets `for()` holds besides the configured one. */
  maxTargets: number;
  clock: Clock;
  /** Token and discovery requests: `dpop.fetch` with DPoP (a proof on a metadata GET is ignored), else `fetch`. */
  fetch: FetchLike | undefined;
  /** Whether tokens are DPoP-bound (`token_type` must be `DPoP`). */
  dpop: boolean;
  allowInsecureHttp: boolean;
}

/** Parameters Tessera sets itself; `extraParams` must not repeat them. */
const RESERVED_PARAMS = [
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'audience',
  'resource',
];

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/**
 * Checks `options` once, when the client is created, and says exactly what is wrong.
 *
 * @throws {TypeError} a missing or contradictory option. Messages never contain the secret or key.
 */
export function resolveOptions(options: ClientCredentialsOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) fail('pass an options object');
  assertKnownOptions(options, CLIENT_CREDENTIALS_OPTION_KEYS, 'clientCredentials', REPLACED_OPTION_KEYS);
  const { clientId } = options;
  if (typeof clientId !== 'string' || clientId.trim() === '') fail('clientId is required');
  assertNoSurroundingWhitespace(clientId, 'clientId');
  if (options.tokenUrl !== undefined && options.issuer !== undefined) {
    fail('pass either tokenUrl or issuer, not both');
  }
  if (options.tokenUrl === undefined && options.issuer === undefined) {
    fail('pass tokenUrl (the token endpoint) or issuer (to discover it)');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    fail('fetch must be a fetch function, e.g. undici’s fetch');
  }
  const { dpop } = options;
  if (dpop !== undefined) {
    const candidate = dpop as unknown as Partial<Record<string, unknown>> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      candidate.scheme !== 'DPoP' ||
      typeof candidate.fetch !== 'function' ||
      typeof candidate.wrapFetch !== 'function' ||
      typeof candidate.headersFor !== 'function'
    ) {
      fail('dpop must be createDPoP({ key }) from @tessera/dpop');
    }
    if (options.fetch !== undefined) {
      fail('pass fetch to createDPoP({ fetch }) instead: with dpop, token requests go through dpop.fetch');
    }
    // Other processes reading a shared storage would drop tokens bound to this process's key and each
    // fetch their own: the sharing is lost, and every read is a `storage_error`.
    if (options.storage !== undefined && dpop.persistent === false) {
      fail(
        'dpop has a key generated in this process, but storage is shared with others that cannot use tokens bound to it: pass createDPoP({ key }) with the P-256 key every process shares',
      );
    }
  }
  // `cache.storage(key)` or the whole cache passed by mistake: said here, not by every token request.
  if (options.storage !== undefined && typeof options.storage !== 'function') {
    fail('storage must be a function of the key: cache.storage, not cache.storage(key)');
  }
  if (options.lock !== undefined && typeof options.lock?.run !== 'function') {
    fail('lock must be a RefreshLock (with run), such as cache.lock');
  }
  // A string from an environment variable (`'false'`) would have been read as its truthiness.
  for (const name of ['allowInsecureHttp', 'refreshInBackground'] as const) {
    if (options[name] != null && typeof options[name] !== 'boolean') {
      fail(`${name} must be true or false, got ${typeof options[name]}`);
    }
  }
  const allowInsecureHttp = options.allowInsecureHttp === true;
  const endpoint = (value: string | URL, name: string): string => {
    // An issuer with a query: `discover()`'s rule, said at creation rather than at every token request.
    (name === 'issuer' ? parseIssuerUrl : parseEndpointUrl)(
      value,
      `clientCredentials: ${name}`,
      allowInsecureHttp,
    );
    return String(value);
  };
  const tokenUrl = options.tokenUrl === undefined ? undefined : endpoint(options.tokenUrl, 'tokenUrl');
  const issuer = options.issuer === undefined ? undefined : endpoint(options.issuer, 'issuer');
  const extra: unknown = options.extraParams ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    fail('extraParams must be an object of strings (or arrays of them), such as { tenant: "acme" }');
  }
  // Read once, arrays copied: the keys and the requests of every target are built from this copy, so
  // a list the caller changes later cannot send one tenant's parameters under another's key.
  // (`Object.fromEntries` keeps a `__proto__` parameter an own property, as the spread it replaces did.)
  const extraParams: TokenRequestParams = Object.fromEntries(
    Object.entries(extra as object).map(([name, value]) => {
      if (RESERVED_PARAMS.includes(name)) fail(`extraParams must not set "${name}"; use the option for it`);
      const values: unknown[] = Array.isArray(value) ? [...value] : [value];
      if (value !== undefined && !values.every((item) => typeof item === 'string')) {
        fail(`extraParams.${name} must be a string or an array of strings`);
      }
      return [name, Array.isArray(value) ? values : value];
    }),
  );
  const { refreshMargin, timeout } = options;
  if (refreshMargin !== undefined && !(typeof refreshMargin === 'number' && refreshMargin >= 0)) {
    fail('refreshMargin must be a number of milliseconds ≥ 0');
  }
  // 0 is axios's "no timeout"; here it failed every token request at once.
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    fail('timeout must be a number of milliseconds > 0, or Infinity for none');
  }
  const { maxTargets = clientCredentialsDefaults.maxTargets } = options;
  if (!(maxTargets === Number.POSITIVE_INFINITY || (Number.isInteger(maxTargets) && maxTargets >= 0))) {
    fail('maxTargets must be a whole number ≥ 0, or Infinity');
  }
  return {
    clientId: options.clientId,
    tokenUrl,
    issuer,
    auth: resolveAuth(options),
    extraParams,
    target: normalizeTarget(options),
    timeout: options.timeout ?? tokenManagerDefaults.timeout,
    maxTargets,
    clock: options.clock ?? systemClock,
    fetch: dpop?.fetch ?? options.fetch,
    dpop: dpop !== undefined,
    allowInsecureHttp,
  };
}

function resolveAuth(options: ClientCredentialsOptions): ClientAuth {
  const method =
    options.authMethod ?? (options.privateKey ? 'private_key_jwt' : clientCredentialsDefaults.authMethod);
  if (!AUTH_METHODS.includes(method)) fail(`authMethod must be one of ${AUTH_METHODS.join(', ')}`);
  if (method === 'private_key_jwt') {
    if (!options.privateKey) fail('authMethod private_key_jwt needs privateKey (PEM, JWK or KeyObject)');
    if (options.clientSecret !== undefined) fail('clientSecret is not used with private_key_jwt; remove it');
    // Sent as given, compared by the server as strings: a blank or padded one failed every request.
    for (const name of ['keyId', 'assertionAudience'] as const) {
      const value = options[name];
      if (typeof value !== 'string') continue; // a number for keyId: toSigningKey says it
      if (value.trim() === '') fail(`${name} must not be blank; leave it out for the default`);
      assertNoSurroundingWhitespace(value, name);
    }
    return {
      method,
      signingKey: toSigningKey(options.privateKey, options.signingAlgorithm, options.keyId),
      assertionAudience: options.assertionAudience,
    };
  }
  const mtls = method === 'tls_client_auth' || method === 'self_signed_tls_client_auth';
  // RFC 8705: the certificate on the connection is the credential; a secret beside it is a mistake.
  if (mtls && options.clientSecret !== undefined) fail(`clientSecret is not used with ${method}; remove it`);
  if (!mtls && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
    fail(`authMethod ${method} needs clientSecret (or pass privateKey for private_key_jwt)`);
  }
  // `readFileSync('secret.txt', 'utf8')` or a `.env` line keeps its line break: `invalid_client` at every
  // request, far from the cause. A space is a secret character (RFC 6749 VSCHAR); a line break, a tab or a
  // blank secret is not one. Not quoted: the message must not show the secret.
  if (!mtls && /^ *$|^[^\S ]|[^\S ]$/.test(options.clientSecret as string)) {
    fail(
      'clientSecret must not be blank, nor begin or end with a line break, a tab or other whitespace but a space',
    );
  }
  if (options.privateKey !== undefined) fail(`privateKey is only used with private_key_jwt, not ${method}`);
  for (const name of ['signingAlgorithm', 'keyId', 'assertionAudience'] as const) {
    if (options[name] !== undefined) fail(`${name} is only used with private_key_jwt, not ${method}`);
  }
  return mtls
    ? { method }
    : {
        method: method as 'client_secret_basic' | 'client_secret_post',
        clientSecret: options.clientSecret as string,
      };
}

function fail(problem: string): never {
  throw new TypeError(`clientCredentials: ${problem}`);
}
