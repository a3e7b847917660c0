/** Where the app signs in and what it calls. Durations are milliseconds. */
export interface AppConfig {
  /** The token endpoint (password grant at sign-in, refresh-token grant afterwards). */
  tokenUrl: string;
  /** The public client id. */
  clientId: string;
  /** Scopes asked for at sign-in. */
  scope: string | undefined;
  /** The protected GET endpoint the buttons call. */
  apiUrl: string;
  /** Settings of the embedded mock server; `undefined` when a real server is configured. */
  mock: MockServerConfig | undefined;
}

/**
 * The `VITE_*` variables the app reads; pass `import.meta.env`. All unset (the default) = the
 * embedded mock server.
 */
export interface AppEnv {
  /** Vite's own variables (`MODE`, `BASE_URL`…) and any others: ignored. */
  readonly [name: string]: unknown;
  /** Token endpoint of a real authorization server; unset = the embedded mock server. */
  readonly VITE_TOKEN_URL?: string;
  /** Public client id at that server. Default `web`. */
  readonly VITE_CLIENT_ID?: string;
  /** Scopes to ask for at sign-in, e.g. `openid offline_access api`. */
  readonly VITE_SCOPE?: string;
  /** A GET endpoint of your API that accepts the access token. */
  readonly VITE_API_URL?: string;
}

/** The embedded mock server (msw service worker). */
export interface MockServerConfig {
  issuer: string;
  apiBaseUrl: string;
  /** Lifetime of an access token, in ms. */
  accessTokenLifetime: number;
}

/** Names of the mock server's hosts: never resolved, the service worker answers them. */
const MOCK_ISSUER = 'https://auth.tessera.test';
const MOCK_API = 'https://api.tessera.test';
/** Default lifetime of a mock access token, in seconds. */
const DEFAULT_LIFETIME_SECONDS = 30;
/** The mock server rounds `expires_in` down to whole seconds: below 2 s a token would arrive expired. */
const MIN_LIFETIME_SECONDS = 2;

/**
 * Reads the configuration: a real server from `VITE_TOKEN_URL` and `VITE_API_URL` (see the README),
 * else the embedded mock server, whose token lifetime `?lifetime=<seconds>` (at least 2) in the page URL sets.
 */
export function readConfig(search: string, env: AppEnv): AppConfig {
  const clientId = env.VITE_CLIENT_ID || 'web';
  const scope = env.VITE_SCOPE || undefined;
  if (env.VITE_TOKEN_URL) {
    if (!env.VITE_API_URL) throw new Error('VITE_TOKEN_URL is set but VITE_API_URL is not: set both.');
    return { tokenUrl: env.VITE_TOKEN_URL, clientId, scope, apiUrl: env.VITE_API_URL, mock: undefined };
  }
  const lifetime = Number(new URLSearchParams(search).get('lifetime') || DEFAULT_LIFETIME_SECONDS);
  const seconds = Number.isFinite(lifetime)
    ? Math.max(MIN_LIFETIME_SECONDS, lifetime)
    : DEFAULT_LIFETIME_SECONDS;
  return {
    tokenUrl: `${MOCK_ISSUER}/oauth/token`,
    clientId,
    scope,
    apiUrl: `${MOCK_API}/me`,
    mock: { issuer: MOCK_ISSUER, apiBaseUrl: MOCK_API, accessTokenLifetime: seconds * 1000 },
  };
}
