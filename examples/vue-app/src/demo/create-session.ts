import { attachTokenManager } from '@tessera/axios';
import {
  backgroundRefresh,
  createSignIn,
  crossTab,
  type FetchTokens,
  passwordGrant,
  refreshTokenGrant,
  type SignIn,
  TokenManager,
} from '@tessera/core';
import { createDPoP, indexedDbKeyStore } from '@tessera/dpop';
import axios, { type AxiosInstance } from 'axios';
import type { AppConfig } from './config.js';
import { errorCode } from './describe-event.js';
import { recordApiCalls } from './record-api-calls.js';
import { recordTokenEvents } from './record-token-events.js';
import { createRequestTimeline, type RequestTimeline } from './request-timeline.js';
import { createTokenSessionStore, type TokenSessionStore } from './token-session.js';

/** The app's one token manager, its sign-in, and the API client that uses it. */
export interface Session {
  tokens: TokenManager;
  /** Sends a valid access token to the API's origin only; refreshes and replays once on 401. */
  api: AxiosInstance;
  /** The protected GET endpoint the buttons call. */
  apiUrl: string;
  /** Every API call, 401, replay, refresh, sign-in and sign-out, as they happen. */
  timeline: RequestTimeline;
  /** Refreshes of the current session and the latest token event, for the panel. */
  stats: TokenSessionStore;
  /**
   * Sign-in at the identity provider (authorization code + PKCE): `start()`, `handleCallback()`,
   * `signOut()`. `undefined` with the embedded mock server.
   */
  oidc: SignIn | undefined;
  /** The identity provider's issuer; `undefined` with the embedded mock server. */
  issuer: string | undefined;
  /**
   * Signs in at the embedded mock server with the password grant (the mock server has no login page).
   * @throws {OAuthError} `invalid_grant` for a wrong username or password.
   * @throws {Error} with an identity provider: sign in with `oidc.start()`.
   */
  signInWithPassword(username: string, password: string): Promise<void>;
  /**
   * Signs out: with an identity provider, revokes the refresh token (RFC 7009), clears the session
   * in every tab and goes to the provider's logout page; with the mock server, forgets the tokens.
   */
  signOut(): Promise<void>;
  /** Token requests so far: counted by the mock server when there is one, else by this tab. */
  tokenRequestCount(): number;
}

/** Names the BroadcastChannel and Web Locks the tabs of the app share. */
const CROSS_TAB_NAME = 'tessera-example';

/**
 * Creates the token manager (tokens in memory, refreshed in the background), the sign-in (identity
 * provider) or the password grant (mock server), the API client, and the request timeline that
 * records them. `serverTokenRequestCount` reads the mock server's count; without it, this tab counts.
 */
export function createSession(config: AppConfig, serverTokenRequestCount?: () => number): Session {
  let sent = 0;
  const counted =
    (fetchTokens: FetchTokens): FetchTokens =>
    (context) => {
      sent += 1;
      return fetchTokens(context);
    };
  const origin = globalThis.location?.origin ?? 'http://localhost';
  let oidc: SignIn | undefined;
  // DPoP: one non-extractable key per client, kept in IndexedDB (it survives reload; tabs share it).
  const dpop = config.oidc?.dpop
    ? createDPoP({ keyStore: indexedDbKeyStore({ id: config.oidc.clientId }) })
    : undefined;
  const tokens = new TokenManager({
    // DPoP is this one option: every call to the provider (code exchange, refresh, revocation) and
    // every API call carries a proof, the session is bound to the key, and only DPoP-bound token sets
    // are accepted (a Bearer answer is an error, never a downgrade).
    ...(dpop ? { senderConstraint: dpop } : {}),
    fetchTokens: counted(
      config.oidc
        ? (context) => oidc!.fetchTokens(context)
        : refreshTokenGrant({ tokenUrl: config.mock!.tokenUrl, clientId: config.mock!.clientId }),
    ),
    // Refresh shortly before expiry even when nothing calls the API, so the panel shows it happen.
    refreshInBackground: backgroundRefresh(),
    // Tabs of the app share one refresh and hear each other's sign-out (tokens stay in memory).
    ...(config.oidc ? { crossTab: crossTab({ name: CROSS_TAB_NAME }) } : {}),
  });
  if (config.oidc) {
    oidc = createSignIn({
      ...config.oidc,
      redirectUri: `${origin}/callback`,
      postLogoutRedirectUri: `${origin}/`,
      tokens,
    });
  }
  const api = axios.create({ baseURL: new URL(config.apiUrl).origin });
  attachTokenManager(api, tokens); // takes the manager's senderConstraint
  const timeline = createRequestTimeline();
  recordApiCalls(timeline, api);
  recordTokenEvents(timeline, tokens);
  const stats = createTokenSessionStore(tokens);
  return {
    tokens,
    api,
    apiUrl: config.apiUrl,
    timeline,
    stats,
    oidc,
    issuer: config.oidc?.issuer,
    async signInWithPassword(username, password) {
      const { mock } = config;
      if (!mock) throw new Error('Password sign-in is for the embedded mock server only: use oidc.start().');
      sent += 1;
      const grant = { tokenUrl: mock.tokenUrl, clientId: mock.clientId };
      await tokens.setTokens(await passwordGrant(grant, { username, password }));
    },
    async signOut() {
      if (!oidc) return tokens.clear();
      // With DPoP the key goes with the session: after the revocation (signed with it), before the
      // provider's logout page.
      const result = await oidc.signOut(dpop ? { navigate: false } : {});
      timeline.add({
        kind: 'revoke',
        label: 'refresh token revoked at the provider',
        status: result.revoked ? 'ok' : result.warnings.map(errorCode).join(', ') || 'skipped',
      });
      if (dpop) {
        await dpop.removeKey();
        if (result.logoutUrl) globalThis.location.assign(result.logoutUrl.href);
      }
    },
    tokenRequestCount: serverTokenRequestCount ?? (() => sent),
  };
}
