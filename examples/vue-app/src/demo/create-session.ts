import { attachTokenManager } from '@tessera/axios';
import { passwordGrant, refreshTokenGrant, TokenManager } from '@tessera/core';
import axios, { type AxiosInstance } from 'axios';
import type { AppConfig } from './config.js';
import { recordApiCalls } from './record-api-calls.js';
import { recordTokenEvents } from './record-token-events.js';
import { createRequestTimeline, type RequestTimeline } from './request-timeline.js';

/** The app's one token manager and the API client that uses it. */
export interface Session {
  tokens: TokenManager;
  /** Sends a valid access token to the API's origin only; refreshes and replays once on 401. */
  api: AxiosInstance;
  /** The protected GET endpoint the buttons call. */
  apiUrl: string;
  /** Every API call, 401, replay, refresh, sign-in and sign-out, as they happen. */
  timeline: RequestTimeline;
  /**
   * Signs in with the password grant and hands the token set to the manager.
   * @throws {OAuthError} `invalid_grant` for a wrong username or password.
   */
  signIn(username: string, password: string): Promise<void>;
  /** Forgets the tokens (the sign-in screen shows). */
  signOut(): Promise<void>;
  /** Token requests so far: counted by the mock server when there is one, else by this tab. */
  tokenRequestCount(): number;
}

/**
 * Creates the token manager (refresh-token grant, tokens in memory), the API client and the request
 * timeline that records both.
 * `serverTokenRequestCount` reads the mock server's count; without it, this tab counts its requests.
 */
export function createSession(config: AppConfig, serverTokenRequestCount?: () => number): Session {
  const { tokenUrl, clientId, scope } = config;
  let sent = 0;
  const refresh = refreshTokenGrant({ tokenUrl, clientId });
  const tokens = new TokenManager({
    fetchTokens: (context) => {
      sent += 1;
      return refresh(context);
    },
    // Refresh shortly before expiry even when nothing calls the API, so the panel shows it happen.
    refreshInBackground: true,
  });
  const api = axios.create({ baseURL: new URL(config.apiUrl).origin });
  attachTokenManager(api, tokens);
  const timeline = createRequestTimeline();
  recordApiCalls(timeline, api);
  recordTokenEvents(timeline, tokens);
  return {
    tokens,
    api,
    apiUrl: config.apiUrl,
    timeline,
    async signIn(username, password) {
      sent += 1;
      const grant = { tokenUrl, clientId, ...(scope ? { scope } : {}) };
      await tokens.setTokens(await passwordGrant(grant, { username, password }));
    },
    signOut: () => tokens.clear(),
    tokenRequestCount: serverTokenRequestCount ?? (() => sent),
  };
}
