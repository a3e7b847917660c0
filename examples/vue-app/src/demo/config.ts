/** Where the app signs in and what it calls. Durations are milliseconds. */
export interface AppConfig {
  /** The protected GET endpoint the buttons call. */
  apiUrl: string;
  /** The embedded mock server (password sign-in inside the page); `undefined` with an identity provider. */
  mock: MockServerConfig | undefined;
  /** The identity provider (authorization code + PKCE); `undefined` with the mock server. */
  oidc: OidcConfig | undefined;
}

/** An OpenID Connect provider and this app's public client there. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Space-separated scopes asked for at sign-in. */
  scope: string;
  /**
   * DPoP (RFC 9449): tokens bound to a non-extractable key kept in IndexedDB, a proof on every
   * request. The provider must issue DPoP-bound tokens and the API verify proofs.
   */
  dpop: boolean;
}

/** The embedded mock server (msw service worker). */
export interface MockServerConfig {
  issuer: string;
  apiBaseUrl: string;
  /** `${issuer}/oauth/token` */
  tokenUrl: string;
  /** The mock server's public client. */
  clientId: string;
  /** Lifetime of an access token, in ms. */
  accessTokenLifetime: number;
}

/**
 * The `VITE_*` variables the app reads; pass `import.meta.env`. All unset (the default) = the
 * embedded mock server.
 */
export interface AppEnv {
  /** Vite's own variables (`MODE`, `BASE_URL`…) and any others: ignored. */
  readonly [name: string]: unknown;
  /** Issuer of the identity provider, e.g. `http://127.0.0.1:4400`; unset = the embedded mock server. */
  readonly VITE_ISSUER?: string;
  /** The SPA's public client id there. Default `tessera-spa`. */
  readonly VITE_CLIENT_ID?: string;
  /** Scopes to ask for at sign-in. Default `openid profile email api:read`. */
  readonly VITE_SCOPE?: string;
  /** A GET endpoint of your API that accepts the access token (required with `VITE_ISSUER`). */
  readonly VITE_API_URL?: string;
  /** `1` = DPoP-bound tokens (with `VITE_ISSUER`); anything else or unset = Bearer tokens. */
  readonly VITE_DPOP?: string;
  /** Vite's `true` on its dev server: only there does `?mock` replace the identity provider. */
  readonly DEV?: boolean;
}

/** Names of the mock server's hosts: never resolved, the service worker answers them. */
const MOCK_ISSUER = 'https://auth.tessera.test';
const MOCK_API = 'https://api.tessera.test';
/** Default lifetime of a mock access token, in seconds. */
const DEFAULT_LIFETIME_SECONDS = 30;
/** The mock server rounds `expires_in` down to whole seconds: below 2 s a token would arrive expired. */
const MIN_LIFETIME_SECONDS = 2;

/**
 * Reads the configuration: the identity provider from `VITE_ISSUER` and `VITE_API_URL` (see the
 * README), else — or with `?mock` in the page URL on the dev server, never in a build, where a link
 * must not swap the real sign-in for a mock password form — the embedded mock server, whose token
 * lifetime `?lifetime=<seconds>` (at least 2) sets.
 *
 * @throws {Error} `VITE_ISSUER` is set without `VITE_API_URL`.
 */
export function readConfig(search: string, env: AppEnv): AppConfig {
  const query = new URLSearchParams(search);
  if (env.VITE_ISSUER && !(env.DEV === true && query.has('mock'))) {
    if (!env.VITE_API_URL) throw new Error('VITE_ISSUER is set but VITE_API_URL is not: set both.');
    return {
      apiUrl: env.VITE_API_URL,
      mock: undefined,
      oidc: {
        issuer: env.VITE_ISSUER,
        clientId: env.VITE_CLIENT_ID || 'tessera-spa',
        scope: env.VITE_SCOPE || 'openid profile email api:read',
        dpop: env.VITE_DPOP === '1',
      },
    };
  }
  const lifetime = Number(query.get('lifetime') || DEFAULT_LIFETIME_SECONDS);
  const seconds = Number.isFinite(lifetime)
    ? Math.max(MIN_LIFETIME_SECONDS, lifetime)
    : DEFAULT_LIFETIME_SECONDS;
  return {
    apiUrl: `${MOCK_API}/me`,
    mock: {
      issuer: MOCK_ISSUER,
      apiBaseUrl: MOCK_API,
      tokenUrl: `${MOCK_ISSUER}/oauth/token`,
      clientId: 'web',
      accessTokenLifetime: seconds * 1000,
    },
    oidc: undefined,
  };
}
