import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import { discover } from '../discovery/discover.js';
import { authorizationErrorOf } from '../errors/authorization-response-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { IssuerMismatchError } from '../errors/issuer-mismatch-error.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import { MalformedResponseError } from '../errors/malformed-response-error.js';
import { OAuthError } from '../errors/oauth-error.js';
import { PkceVerifierMissingError } from '../errors/pkce-verifier-missing-error.js';
import { StaleCallbackError } from '../errors/stale-callback-error.js';
import type { TesseraError } from '../errors/tessera-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { TokenEventListener } from '../events.js';
import { places, refusedBodies } from '../internal/response-where.js';
import { quotable } from '../internal/server-text.js';
import { startTimer } from '../internal/timer.js';
import { decodeJwtClaims } from '../jwt-claims.js';
import { revokeToken } from '../revoke-token.js';
import { requestToken } from '../token-endpoint.js';
import type { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import type { TokenResponse, TokenSet } from '../token-set.js';
import { optionalString, toTokenSet } from '../token-set.js';
import { cleanAddressBar, currentPath } from './address-bar.js';
import { asTesseraError } from './as-tessera-error.js';
import { callbackResults, REMEMBERED_CALLBACKS } from './callback-results.js';
import { CALLBACK_PARAMS, callbackParamsOf, hasRepeatedParam, isRedirectTarget } from './callback-url.js';
import { decodeIdToken, type IdTokenClaims, validateIdToken } from './id-token.js';
import { codeChallengeOf, randomToken } from './pkce.js';
import { returnPathOf } from './return-path.js';
import {
  type SignInOptions,
  type SignOutOptions,
  type StartOptions,
  signInDefaults,
} from './sign-in-options.js';
import type { CallbackResult, SignOutResult } from './sign-in-result.js';
import { type TakenTransaction, transactionStore } from './transaction-store.js';

/** Sign-in with the authorization code flow and PKCE, for browser apps. See `createSignIn`. */
export interface SignIn {
  /**
   * Starts a sign-in: stores a one-time transaction and navigates to the authorization endpoint.
   * While that navigation is under way, further calls return the same promise.
   */
  start(options?: StartOptions): Promise<void>;
  /** Like `start()`, but returns the authorization URL for apps that navigate themselves. */
  buildAuthorizationUrl(options?: StartOptions): Promise<URL>;
  /**
   * Completes a sign-in from the callback URL (`location.href` by default). Idempotent: calls for the
   * same callback share one token request and one result, and so does a call reading the address bar
   * that an earlier call cleaned, while that one is in progress (StrictMode runs an effect twice).
   * A settled callback's URL is a replay once the session it brought is replaced: a sign-out, `setTokens()`,
   * or another tab's set for another user (another ID token `sub`, or none). Never rejects.
   */
  handleCallback(url?: string | URL): Promise<CallbackResult>;
  /** The claims of the current ID token, for "Signed in as …"; `undefined` when there is none. */
  claims(): IdTokenClaims | undefined;
  /**
   * A `fetchTokens` for the `TokenManager`: the refresh-token grant at the discovered token endpoint,
   * checking a new ID token against the original (`sub`, `nonce`) and keeping the ID token when the
   * response has none.
   */
  fetchTokens: FetchTokens;
  /**
   * Clears the session in every tab at once, revokes its refresh token (and the one a refresh in
   * flight brings, once it has settled; without `tokens`, the one this instance handed out) and goes
   * to the provider's logout. While a sign-out is under
   * way, further calls return its promise (its options apply) and no refresh starts; this holds for
   * every instance over the same `tokens`, and a callback in flight in any of them does not sign the
   * user back in, nor does one in flight when the session ends in another tab.
   */
  signOut(options?: SignOutOptions): Promise<SignOutResult>;
}

/**
 * Callbacks in progress or done in this page, by issuer, client and `state`: shared by every instance
 * of one client (StrictMode makes two), never across issuers or clients (another one's instance answers
 * `not-a-callback`). Bounded: every one in progress, and the latest settled.
 */
// Marked pure: an app that never imports sign-in must not keep it for this call (tree shaking).
const callbacks = /* @__PURE__ */ callbackResults(REMEMBERED_CALLBACKS);

/**
 * The callback in progress that cleaned the address bar last, by issuer, client and the clean URL: a
 * second `handleCallback()` reading the address bar (StrictMode runs an effect twice) shares its result
 * instead of answering `not-a-callback`, which would start another sign-in (decision 1107).
 */
let cleaning: { at: string; result: Promise<CallbackResult> } | undefined;

/** What every instance over one `TokenManager` shares: the session they sign in and out is one. */
interface SessionState {
  /**
   * Sign-outs started so far, and ends of the session heard from another tab: a code exchange that one
   * overtook does not sign the user back in.
   */
  signOuts: number;
  /**
   * The `sub` of the user the latest callback signed in (`undefined`: no ID token): another tab's set
   * (`synced`) for another user is a new session, not a refresh of this one.
   */
  subject?: string | undefined;
  /** The sign-out under way: a double click revokes once and navigates once. */
  signingOut?: Promise<SignOutResult> | undefined;
  /**
   * The answer of the latest refresh request: its refresh token may be one the manager never stores
   * (cleared meanwhile), which `signOut` revokes too. Settles within the manager's `timeout`.
   */
  lastRefresh?: Promise<TokenResponse> | undefined;
  /**
   * The clients (by `prefix`) listening to the manager: one listener each, however many instances
   * (StrictMode, HMR, one created in every render): the manager keeps every listener it is given.
   */
  heard: Set<string>;
}

/**
 * By manager, so a second instance (created in render under StrictMode, re-created by HMR) sees the
 * sign-outs and refreshes of the first (decision 1104, update).
 */
const sessions = /* @__PURE__ */ new WeakMap<TokenManager, SessionState>();

/**
 * Whether the callback must carry `iss` (RFC 9207): the server advertises it. Any value but `false` (or
 * none, or `null`) counts as advertised, fail closed: the string `"false"` too.
 */
const requiresIss = (server: AuthorizationServerMetadata): boolean =>
  (server.authorization_response_iss_parameter_supported ?? false) !== false;

/**
 * Sign-in with the authorization code flow and PKCE (RFC 9700, OAuth 2.1) for single-page apps.
 *
 * @example
 * const signIn = createSignIn({ issuer, clientId: 'spa', redirectUri: `${location.origin}/callback`, tokens });
 * const result = await signIn.handleCallback();
 * if (result.status === 'not-a-callback') await signIn.start();
 */
export function createSignIn(options: SignInOptions): SignIn {
  const { issuer, clientId, tokens } = options;
  // An option given as `undefined` (from plain JavaScript) keeps its default.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const settings = { ...signInDefaults, ...given } as typeof signInDefaults & SignInOptions;
  const clock = options.clock ?? Date.now;
  // A copy: a `URL` given is not read again. Refused: a fragment (RFC 6749 §3.1.2; providers refuse
  // it at registration), and a parameter of the authorization response, which adds its own: the
  // callback would repeat it and fail (decision 1102).
  const redirectUri = new URL(options.redirectUri);
  const param = CALLBACK_PARAMS.find((name) => redirectUri.searchParams.has(name));
  const refused = redirectUri.href.includes('#')
    ? 'a fragment (RFC 6749 §3.1.2)'
    : param && `a ${param} parameter (the response adds it)`;
  if (refused) throw new TypeError(`createSignIn: redirectUri must not have ${refused}`);
  /** Whose transactions this instance takes: one client, with the redirect URI its requests send. */
  const client = `${clientId} ${redirectUri.href}`;
  /**
   * Keys of `callbacks` and `cleaning`: by issuer and client. In JSON, as an issuer or a client id may
   * hold a space: no client's prefix begins another's.
   */
  const prefix = JSON.stringify([issuer, client]);
  // With the manager's `senderConstraint` (DPoP), the code exchange, refreshes and revocation carry proofs.
  const fetch = tokens?.senderConstraint?.wrapFetch?.(options.fetch) ?? options.fetch;
  const transport = { fetch, timeout: settings.timeout };
  const discovery = { fetch: options.fetch, timeout: settings.timeout };
  const navigate = options.navigate ?? ((url: string) => location.assign(url));
  const store = transactionStore(
    () => options.transactionStorage ?? sessionStorage,
    settings.transactionTtl,
    settings.maxTransactions,
  );
  let metadata: Promise<AuthorizationServerMetadata> | undefined;
  let starting: { promise: Promise<void>; at: number } | undefined;
  let lastClaims: IdTokenClaims | undefined;
  /**
   * Without `tokens`: the refresh token and ID token of the session this instance last signed in or
   * refreshed, so a refresh presenting that refresh token is checked against that ID token (decision
   * 1100, update). A refresh token it did not hand out is not checked.
   */
  let own: [refreshToken: string | undefined, idToken: string | undefined] | undefined;
  const shared: SessionState = (tokens && sessions.get(tokens)) || { signOuts: 0, heard: new Set() };
  if (tokens) sessions.set(tokens, shared);

  /**
   * Revokes `orphans` (RFC 7009) at the server's revocation endpoint, if it has one: within `timeout` in
   * all, failures pushed to `warnings`. Whether every token given was revoked.
   */
  const revokeTokens = async (
    server: AuthorizationServerMetadata,
    orphans: [token: string | undefined, hint: 'refresh_token' | 'access_token'][],
    warnings: TesseraError[] = [],
  ): Promise<boolean> => {
    const revocationUrl = server.revocation_endpoint;
    if (!revocationUrl) return false;
    const { timeout } = transport;
    // The reason is renamed after the request it cut short (`exchange`).
    const deadline = new AbortController();
    const timer = startTimer(() => deadline.abort(new TimeoutError(timeout, '')), timeout);
    let revoked = false;
    for (const [given, tokenTypeHint] of orphans) {
      const token = optionalString(given);
      if (!token || deadline.signal.aborted) continue;
      try {
        await revokeToken({
          ...transport,
          revocationUrl,
          token,
          tokenTypeHint,
          clientId,
          signal: deadline.signal,
        });
        revoked = true;
      } catch (error) {
        warnings.push(asTesseraError(error));
      }
    }
    clearTimeout(timer);
    return revoked && !warnings.length;
  };
  const discovered = (): Promise<AuthorizationServerMetadata> => {
    metadata ??= discover(issuer, discovery).catch((error: unknown) => {
      metadata = undefined;
      throw error;
    });
    return metadata;
  };
  // A refresh answer is the manager's once it is stored (the sign-out that ends it revokes it as the
  // current set). One that a sign-out in another tab or instance overtook is never stored, and only
  // this instance knows its refresh token: revoked here (decision 0606).
  const listener: TokenEventListener = (event) => {
    if (event.type === 'refreshed') shared.lastRefresh = undefined;
    // A new session (`setTokens()`: another sign-in, the app's own) replaces the one a settled callback
    // brought: its URL is a replay from now on. The callback calling it is still in progress: kept. So
    // does another tab's set (`synced`) unless it is the same user's (a refresh keeps the ID token's `sub`,
    // OpenID Connect Core §12.2); without an ID token nothing tells a refresh from a new session.
    const sub = event.type === 'synced' && decodeJwtClaims(event.tokens.idToken)?.sub;
    if (event.type === 'tokens_set' || (sub !== false && (!sub || sub !== shared.subject)))
      callbacks.clear(prefix, true);
    if (event.type !== 'cleared') return;
    // The session ended: a used callback URL is a replay, as after `signOut()`, not a `handled` with its
    // tokens. Ended here (`clear()`, a refused refresh), a callback in progress is kept: StrictMode's
    // second call shares it. Another tab ended it (its sign-out, or its refresh refused): a callback in
    // flight here does not sign every tab back in either (decision 1106). Only this client's: another
    // client's session on the page goes on.
    const here = event.reason !== 'external';
    callbacks.clear(prefix, here);
    if (here) return;
    shared.signOuts += 1;
    if (!shared.lastRefresh) return;
    const orphan = shared.lastRefresh;
    shared.lastRefresh = undefined;
    orphan
      .then(async ({ refresh_token }) => {
        if (refresh_token) await revokeTokens(await discovered(), [[refresh_token, 'refresh_token']]);
      })
      .catch(() => undefined);
  };
  // Once per manager and client: the first instance's listener serves every later one (decision 1104, update).
  if (tokens && !shared.heard.has(prefix)) {
    shared.heard.add(prefix);
    tokens.subscribe(listener);
  }

  /** A page restored from the bfcache (Back from the provider) is navigating nowhere. */
  const back = (event: PageTransitionEvent): void => {
    if (event.persisted) starting = undefined;
  };
  const isNavigating = (): boolean =>
    starting !== undefined && clock() - starting.at < settings.navigationTimeout;

  const buildAuthorizationUrl = async (start: StartOptions = {}): Promise<URL> => {
    const verifier = randomToken();
    // First: outside a secure context it throws, before any request, storage write or navigation.
    const challenge = await codeChallengeOf(verifier);
    const server = await discovered();
    const scope = start.scope ?? settings.scope;
    const state = randomToken();
    const nonce = scope.split(' ').includes('openid') ? randomToken() : undefined;
    const endpoint = server.authorization_endpoint;
    if (!endpoint)
      throw new DiscoveryError('invalid_endpoint', issuer, 'the metadata has no authorization_endpoint');
    const url = new URL(endpoint);
    const query = new URLSearchParams(start.params);
    const set = (name: string, value: string | undefined): void => {
      if (value !== undefined) query.set(name, value);
    };
    set('response_type', 'code');
    set('client_id', clientId);
    set('redirect_uri', redirectUri.href);
    set('scope', scope);
    set('state', state);
    set('code_challenge', challenge);
    set('code_challenge_method', 'S256');
    set('nonce', nonce);
    set('prompt', start.prompt);
    set('login_hint', start.loginHint);
    set('audience', start.audience);
    if (start.resource !== undefined) {
      query.delete('resource');
      for (const resource of typeof start.resource === 'string' ? [start.resource] : start.resource) {
        query.append('resource', resource);
      }
    }
    for (const [name, value] of query) url.searchParams.append(name, value);
    // Throws `SIGN_IN_FAILED` when the storage fails.
    store.save(
      {
        state,
        verifier,
        nonce,
        returnTo: start.returnTo ?? currentPath(),
        issuer: server.issuer,
        client,
        issRequired: requiresIss(server),
        createdAt: clock(),
      },
      clock(),
    );
    return url;
  };

  /**
   * A callback on the redirect URI that names no pending sign-in (used, expired, unknown or no `state`):
   * with a session, nothing to show (the URL was cleaned, the session stays); without one, `error`.
   */
  const stale = async (error: TesseraError): Promise<CallbackResult> => {
    if (await tokens?.ready()) return { status: 'not-a-callback', cleaned: true };
    throw error;
  };
  const failed = (error: unknown): CallbackResult => ({ status: 'error', error: asTesseraError(error) });

  const complete = async (
    state: string,
    params: URLSearchParams,
    repeated: boolean,
    forget: () => void,
  ): Promise<CallbackResult> => {
    const said = authorizationErrorOf(params);
    const before = globalThis.location?.href;
    let taken: TakenTransaction | undefined;
    try {
      // `discover` ensures the metadata's issuer is `issuer`, so the transaction's is the server's too.
      taken = store.take(state, clock(), issuer, client);
    } finally {
      // Started by an instance for another issuer or client: the URL and the transaction stay for that one.
      if (taken?.kind !== 'another-client') cleanAddressBar(state);
    }
    if (taken.kind === 'another-client') return { status: 'not-a-callback', cleaned: false };
    if (taken.kind !== 'pending') {
      return stale(
        taken.kind === 'empty'
          ? new PkceVerifierMissingError(said)
          : new StaleCallbackError(taken.kind, said),
      );
    }
    const { transaction } = taken;
    const signOutsBefore = shared.signOuts;
    // Refused like a wrong `iss`: after `take`, so the transaction is used up and cannot be tried again.
    if (repeated) throw new StaleCallbackError('repeated-parameter');
    const cleaned = globalThis.location?.href;
    const server = await discovered().catch((error: unknown) => {
      // Nothing was sent: the sign-in and its URL are put back, so `handleCallback()` again (a retry, a
      // reload) completes it (decision 1100, update).
      store.save(transaction, clock());
      forget();
      if (cleaned !== before && location.href === cleaned) history.replaceState(history.state, '', before);
      throw error;
    });
    const iss = params.get('iss') ?? undefined;
    if (iss === undefined ? transaction.issRequired || requiresIss(server) : iss !== transaction.issuer) {
      throw new IssuerMismatchError(transaction.issuer, iss);
    }
    if (said) {
      const error = new OAuthError(
        { ...said, status: 302 },
        `authorization response at ${redirectUri.origin}${redirectUri.pathname}`,
      );
      error.message = `Sign-in refused with ${quotable(said.error)}${said.errorDescription ? `: ${quotable(said.errorDescription)}` : ''}`;
      throw error;
    }
    // `?code=&state=…`: an empty code is no code; the server would only answer `invalid_grant`.
    const code = params.get('code');
    if (!code) throw new StaleCallbackError('missing-code');
    const sentAt = clock();
    const response = await requestToken({
      ...transport,
      tokenUrl: server.token_endpoint,
      grantType: 'authorization_code',
      clientId,
      params: {
        code,
        redirect_uri: redirectUri.href,
        code_verifier: transaction.verifier,
      },
    }).catch(async (error: unknown) => {
      // A 2xx without an access token spent the code: a refresh token it brought is revoked (decision 1103).
      const body = refusedBody(error);
      await revokeTokens(server, [[body?.refresh_token, 'refresh_token']]);
      throw error;
    });
    let claims: IdTokenClaims | undefined;
    let set: TokenSet;
    try {
      // Signed out while the code was being exchanged: what it brought is revoked, never stored.
      if (shared.signOuts !== signOutsBefore)
        throw new LoginRequiredError('Signed out during the sign-in callback');
      // A nonce was sent (`openid`): the ID token is required (OpenID Connect Core §3.1.3.3), or the
      // nonce would go unchecked; one of another type is refused (decision 1102). Without, it is
      // optional: one of another type counts as absent, as `toTokenSet` has it (decision 0013).
      const idToken = transaction.nonce ? response.id_token : optionalString(response.id_token);
      if (transaction.nonce !== undefined && !idToken) {
        throw new MalformedResponseError(
          'missing_id_token',
          'no id_token, though the scope has openid',
          places.get(response)!,
        );
      }
      claims = idToken ? check(idToken, transaction.nonce, undefined) : undefined;
      set = tokens ? await tokens.setTokens(response) : toTokenSet(response, sentAt, 'authorization code');
    } catch (error) {
      // The code is spent and nobody holds what it brought: the caller gets the refusal, as it is.
      await revokeTokens(server, [
        [response.refresh_token, 'refresh_token'],
        [response.access_token, 'access_token'],
      ]);
      throw error;
    }
    lastClaims = claims;
    shared.subject = claims?.sub;
    if (!tokens) own = [set.refreshToken, set.idToken];
    return {
      status: 'handled',
      tokens: set,
      claims,
      // Resolved here, not at start(): this also covers a transaction stored by an older version.
      returnTo: returnPathOf(transaction.returnTo, redirectUri.origin),
    };
  };

  /** Runs `handle`; while it is in progress, a call reading the address bar it cleaned gets its result. */
  const sharedWhileCleaning = (handle: () => Promise<CallbackResult>): Promise<CallbackResult> => {
    const before = globalThis.location?.href;
    const result = handle();
    const after = globalThis.location?.href;
    if (after !== before) {
      const entry = { at: prefix + after, result };
      cleaning = entry;
      void result.then(() => {
        if (cleaning === entry) cleaning = undefined;
      });
    }
    return result;
  };

  const check = (idToken: string, nonce: string | undefined, original: IdTokenClaims | undefined) =>
    validateIdToken(idToken, {
      issuer,
      clientId,
      now: clock(),
      tolerance: settings.clockTolerance,
      nonce,
      original,
    });

  const claims = (): IdTokenClaims | undefined => {
    const idToken = tokens?.peekTokens()?.idToken;
    if (!tokens) return lastClaims;
    try {
      return idToken ? decodeIdToken(idToken) : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    buildAuthorizationUrl,

    start(start) {
      if (isNavigating()) return starting!.promise;
      const promise = buildAuthorizationUrl(start).then((url) => navigate(url.href));
      starting = { promise, at: clock() };
      // Back from the provider may restore this page from the bfcache: it is not navigating any more. Not
      // `once`: the first load's own `pageshow` (not persisted) may come after a `start()`. One listener per
      // sign-in (`addEventListener` adds the same function once), whatever the number of `start()` calls.
      globalThis.addEventListener?.('pageshow', back);
      promise.catch(() => {
        if (starting?.promise === promise) starting = undefined;
      });
      return promise;
    },

    handleCallback(input) {
      let url: URL;
      try {
        url = new URL(input ?? location.href);
      } catch {
        return Promise.resolve({ status: 'not-a-callback', cleaned: false });
      }
      const params = callbackParamsOf(url);
      if (!params || !isRedirectTarget(url, redirectUri)) {
        if (cleaning?.at === prefix + url.href) return cleaning.result;
        return Promise.resolve(
          isNavigating()
            ? { status: 'navigating', navigation: starting!.promise }
            : { status: 'not-a-callback', cleaned: false },
        );
      }
      const state = params.get('state');
      if (!state) {
        return sharedWhileCleaning(() => {
          cleanAddressBar(undefined);
          return stale(new StaleCallbackError('missing-state', authorizationErrorOf(params))).catch(failed);
        });
      }
      const key = prefix + state;
      let result = callbacks.get(key);
      if (!result) {
        result = sharedWhileCleaning(() =>
          complete(state, params, hasRepeatedParam(url), () => callbacks.delete(key)).catch(failed),
        );
        callbacks.add(key, result);
      }
      return result;
    },

    claims,

    async fetchTokens({ refreshToken, signal }) {
      if (!refreshToken) throw new LoginRequiredError();
      const server = await discovered();
      // No refresh while signing out: it would bring a refresh token that sign-out does not know of.
      if (shared.signingOut) throw new LoginRequiredError();
      shared.lastRefresh = requestToken({
        fetch,
        tokenUrl: server.token_endpoint,
        grantType: 'refresh_token',
        clientId,
        params: { refresh_token: refreshToken },
        signal,
      });
      // `own` is set only without `tokens`.
      const response = await shared.lastRefresh.catch((error: unknown) => {
        // A refused answer that rotated the refresh token: the manager keeps that one (decision 0013), so does `own`.
        const rotated = optionalString(refusedBody(error)?.refresh_token);
        if (rotated && own?.[0] === refreshToken) own = [rotated, own[1]];
        throw error;
      });
      const ours = own?.[0] === refreshToken;
      const original = ours ? own?.[1] : tokens?.peekTokens()?.idToken;
      // An id_token of the wrong type counts as absent, as `toTokenSet` has it (decision 0013).
      if (typeof response.id_token === 'string' && response.id_token)
        check(response.id_token, undefined, original ? decodeIdToken(original) : undefined);
      else if (original) response.id_token = original;
      else delete response.id_token;
      // What the manager keeps: a refresh token of another type, or empty, keeps the one sent (decision 0013).
      if (ours) own = [optionalString(response.refresh_token) || refreshToken, response.id_token];
      return response;
    },

    signOut(signOutOptions = {}) {
      if (shared.signingOut) return shared.signingOut;
      shared.signOuts += 1;
      // A used callback URL of this client is a replay from now on, not a `handled` with the old tokens.
      callbacks.clear(prefix);
      const [refreshToken, idToken] = own ?? [];
      const { lastRefresh } = shared;
      lastClaims = own = undefined;
      /**
       * Clears the session (every tab with `crossTab()`) at once, so no caller gets or refreshes a token
       * from it any more; revokes (RFC 7009) its refresh token and the one a refresh in flight brings,
       * once that refresh has settled (within the manager's `timeout`), all within one `timeout`; builds
       * the RP-initiated logout URL from the ID token read before clearing, then navigates. Revocation
       * and discovery failures become `warnings`.
       */
      const end = async (): Promise<SignOutResult> => {
        // Cleared in the call itself once loaded: from then on callers get `LoginRequiredError`, and a
        // refresh in flight is discarded by the manager.
        if (!tokens?.peekTokens()) await tokens?.ready().catch(() => undefined);
        // Without `tokens`: the session this instance signed in (and refreshed) last, revoked and hinted instead.
        const current = tokens ? tokens.peekTokens() : { refreshToken, idToken };
        const cleared = tokens?.clear();
        const warnings: TesseraError[] = [];
        let revoked = false;
        let logoutUrl: URL | undefined;
        try {
          const server = await discovered();
          if (signOutOptions.revoke !== false && server.revocation_endpoint) {
            // Newest first: a refresh in flight may have rotated the refresh token this session holds.
            // A refused answer too: a refresh token it rotated is live (decision 0013).
            const answer = await lastRefresh?.catch(refusedBody);
            const refreshTokens = new Set([answer?.refresh_token, current?.refreshToken]);
            revoked = await revokeTokens(
              server,
              [...refreshTokens].map((token) => [token, 'refresh_token']),
              warnings,
            );
          }
          if (signOutOptions.endSession !== false && server.end_session_endpoint) {
            logoutUrl = new URL(server.end_session_endpoint);
            const query = logoutUrl.searchParams;
            const postLogout = signOutOptions.postLogoutRedirectUri ?? options.postLogoutRedirectUri;
            if (current?.idToken) query.set('id_token_hint', current.idToken);
            query.set('client_id', clientId);
            if (postLogout) query.set('post_logout_redirect_uri', postLogout);
          }
        } catch (error) {
          warnings.push(asTesseraError(error));
        }
        await cleared;
        if (logoutUrl && signOutOptions.navigate !== false) navigate(logoutUrl.href);
        return { revoked, warnings, logoutUrl };
      };
      shared.signingOut = end().finally(() => {
        shared.signingOut = undefined;
      });
      shared.lastRefresh = undefined;
      return shared.signingOut;
    },
  };
}

/** The body of a token answer `requestToken` refused (no access token), whose tokens the server still issued. */
const refusedBody = (error: unknown): TokenResponse | undefined =>
  refusedBodies.get(error as object) as TokenResponse;
