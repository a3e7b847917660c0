/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Token endpoint of a real authorization server; unset = the embedded mock server. */
  readonly VITE_TOKEN_URL?: string;
  /** Public client id at that server. Default `web`. */
  readonly VITE_CLIENT_ID?: string;
  /** Scopes to ask for at sign-in, e.g. `openid offline_access api`. */
  readonly VITE_SCOPE?: string;
  /** A GET endpoint of your API that accepts the access token. */
  readonly VITE_API_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
