import {
  createOriginPolicy,
  documentBase,
  isTesseraError,
  type TokenManager,
  type TokenSet,
} from '@tessera/core';
import {
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  CanceledError,
  type InternalAxiosRequestConfig,
} from 'axios';
import { assertKnownOptions } from './assert-known-options.js';
import {
  type AttachTokenManagerOptions,
  attachTokenManagerDefaults,
} from './attach-token-manager-options.js';
import { AUTH_RECORD, AuthRecord, authRecordOf } from './auth-record.js';
import { guardRedirects } from './guard-redirects.js';
import { headerValues } from './header-values.js';
import { isReplayableBody } from './is-replayable-body.js';
import { REDACTED, redactError } from './redact-error.js';
import { copyHeaders, deleteHeader, getHeader, setHeader } from './request-headers.js';
import { resolveRequestUrl } from './resolve-request-url.js';

const KNOWN_OPTIONS = ['origins', 'header', 'scheme', 'shouldRefresh'] as const;

/**
 * Gives every request of `instance` to an allowed origin a valid token from `tokens`, and replays a
 * request once with the current token when the API rejects the one it carried.
 *
 * - Before sending: takes `tokens.freshTokens()`, or else awaits `tokens.getTokens()` (one shared
 *   refresh when the token is expired), and sets `Authorization: <tokenType> <token>` from that one set — only when the URL axios will send
 *   to (string or `URL`, `baseURL`, `allowAbsoluteUrls`) has an allowed origin, never over a
 *   caller-set header, never with `skipAuth: true`. With the http adapter, every redirect hop is
 *   checked too: the token header (and `DPoP`) never follows to an origin that is not allowed.
 * - On a rejection `shouldRefresh` accepts (HTTP 401) from where the token went:
 *   `tokens.invalidate(<the token it carried>)`, then replays it once with the current token — unless
 *   the manager has no other token, or the body is a stream that cannot be sent twice (the 401
 *   reaches the caller). A replay's own 401 rejects with its `AxiosError`.
 * - Errors handed to the caller never show the token (`JSON.stringify`, `util.inspect`).
 * - Errors of the token manager (`OAuthError`, `LoginRequiredError`…) reject the request as they
 *   are; an abort while waiting for a token rejects with axios's `CanceledError`.
 *
 * @returns `detach()`, which removes both interceptors.
 * @throws {TypeError} an unknown option (with a "did you mean"), an `origins` entry that is not an
 *   origin or an unanchored RegExp, or an empty `header`.
 */
export function attachTokenManager(
  instance: AxiosInstance,
  tokens: TokenManager,
  options: AttachTokenManagerOptions = {},
): () => void {
  assertKnownOptions(options, KNOWN_OPTIONS, 'attachTokenManager()');
  const header = options.header ?? attachTokenManagerDefaults.header;
  if (typeof header !== 'string' || header.trim() === '') {
    throw new TypeError('header must be a header name such as "Authorization"');
  }
  const headerValueOf = headerValues(options.scheme);
  const shouldRefresh = options.shouldRefresh ?? attachTokenManagerDefaults.shouldRefresh;
  const allows = createOriginPolicy(options.origins, () => instance.defaults.baseURL);
  /** Never sent to an origin the policy does not allow: the token header and `DPoP` (a proof bound to the token). */
  const credentials = [header.toLowerCase(), 'dpop'];
  const legacy = isLegacyAxios(instance);
  /** Identifies this attachment's records. */
  const owner = {};

  /** Whether every URL the request may go to is allowed (none known: no). */
  const judge = (config: InternalAxiosRequestConfig, base: string | undefined): boolean => {
    const target = resolveRequestUrl(config, legacy);
    if (target === undefined) return false;
    if (typeof target === 'string') return allows(target, base);
    return target.every((url) => allows(url, base));
  };
  /**
   * The verdicts for string URLs, cached per `url` while everything else they depend on (the
   * request's `baseURL` and `allowAbsoluteUrls`, the instance's `baseURL` the default policy reads,
   * the page) stays the same: the check is the same, only not repeated for every request.
   */
  const verdicts = new Map<string, boolean>();
  let forBaseURL: unknown;
  let forAbsolute: unknown;
  let forDefaultBase: unknown = null; // never a baseURL: the first request fills the cache
  let forPage: unknown;
  const allowsRequest = (config: InternalAxiosRequestConfig): boolean => {
    const base = documentBase();
    const { url, baseURL, allowAbsoluteUrls } = config;
    if (typeof url !== 'string' || (baseURL !== undefined && typeof baseURL !== 'string')) {
      return judge(config, base);
    }
    const defaultBase = instance.defaults.baseURL;
    if (
      forBaseURL !== baseURL ||
      forAbsolute !== allowAbsoluteUrls ||
      forDefaultBase !== defaultBase ||
      forPage !== base
    ) {
      verdicts.clear();
      [forBaseURL, forAbsolute, forDefaultBase, forPage] = [baseURL, allowAbsoluteUrls, defaultBase, base];
    }
    let verdict = verdicts.get(url);
    if (verdict === undefined) {
      verdict = judge(config, base);
      if (verdicts.size >= 512) verdicts.clear();
      verdicts.set(url, verdict);
    }
    return verdict;
  };

  /** The current token set (one shared refresh when stale); an abort rejects with axios's `CanceledError`. */
  const tokenSetFor = (config: InternalAxiosRequestConfig): Promise<TokenSet> => {
    const signal = config.signal as AbortSignal | undefined;
    if (!signal) return tokens.getTokens();
    return tokens.getTokens({ signal }).catch((error: unknown) => {
      if (!isTesseraError(error, 'ABORTED')) throw error;
      const canceled = new CanceledError(undefined, config);
      canceled.cause = error;
      throw canceled;
    });
  };

  /**
   * The one place that builds the auth headers of a send (first send and replay): the token and
   * its scheme from one `TokenSet`, the record, and the redirect guard. A DPoP proof for
   * `config.method` and the final URL belongs here too.
   */
  const authorizeRequest = (
    config: InternalAxiosRequestConfig,
    set: TokenSet,
    replay: boolean,
  ): AuthRecord => {
    const value = headerValueOf(set);
    if (!config.headers) config.headers = {} as InternalAxiosRequestConfig['headers'];
    setHeader(config.headers, header, value);
    const record = new AuthRecord(owner, set.accessToken, value, replay);
    (config as { [AUTH_RECORD]?: AuthRecord })[AUTH_RECORD] = record;
    guardRedirects(config, allows, credentials, record);
    return record;
  };

  /** The end of a request that carried `record`'s token: invalidate it on a rejection from where it went; redact. */
  const settleRejection = (error: unknown, record: AuthRecord): unknown => {
    const axiosError = error as Partial<AxiosError>;
    if (
      axiosError?.isAxiosError === true &&
      axiosError.response &&
      !record.withheld &&
      finalUrlAllowed(axiosError) &&
      shouldRefresh(error as AxiosError)
    ) {
      tokens.invalidate(record.token); // a replay's 401: the manager may start a cooldown
    }
    return redactError(error, [record.headerValue, record.token]);
  };

  const onRequest = (
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> => {
    // A re-sent config keeps our record; it stays only if this send gets our token again, so a
    // request we do not authorise now is never replayed with our token.
    const record = authRecordOf(config, owner);
    if (record) {
      const present = getHeader(config.headers, header);
      // Our replay, just authorised with a fresh token set: sent as it is.
      if (record.replay && present === record.headerValue && config.skipAuth !== true && record.claim()) {
        return config;
      }
      (config as { [AUTH_RECORD]?: AuthRecord | undefined })[AUTH_RECORD] = undefined;
      if (present === record.headerValue || present === REDACTED) deleteHeader(config.headers, header);
    }
    if (config.skipAuth === true) return config;
    const present = getHeader(config.headers, header);
    if ((present !== undefined && present !== null) || config.auth) return config;
    if (!allowsRequest(config)) return config;
    const replay = record?.replay ?? false;
    // The path every request takes: a set that is fresh right now is used at once and the config
    // returned as it is, not as a promise (decision 0019); otherwise wait for `getTokens()`.
    const fresh = (config.signal as AbortSignal | undefined)?.aborted ? undefined : tokens.freshTokens();
    if (fresh === undefined) return authorizeWhenReady(config, replay);
    authorizeRequest(config, fresh, replay);
    return config;
  };

  /** Waits for the token set (no closure per request: this is the path every request takes). */
  const authorizeWhenReady = async (
    config: InternalAxiosRequestConfig,
    replay: boolean,
  ): Promise<InternalAxiosRequestConfig> => {
    authorizeRequest(config, await tokenSetFor(config), replay);
    return config;
  };

  const onResponseError = async (error: unknown): Promise<AxiosResponse> => {
    const axiosError = error as Partial<AxiosError> | undefined;
    const config = axiosError?.isAxiosError === true ? axiosError.config : undefined;
    if (!config || !axiosError?.response) throw error;
    const record = authRecordOf(config, owner);
    if (!record) throw error;
    const redacted = () => redactError(error, [record.headerValue, record.token]);
    const carried = !record.withheld && finalUrlAllowed(axiosError);
    if (record.replay || !carried || !shouldRefresh(error as AxiosError))
      throw settleRejection(error, record);
    tokens.invalidate(record.token); // only if it is still the current token: a late 401 refreshes nothing
    if (!isReplayableBody(config.data)) throw redacted(); // a stream: a replay would send it empty
    const next = await tokenSetFor(config).catch((reason: unknown) => {
      redacted();
      throw reason;
    });
    if (next.accessToken === record.token) throw redacted(); // no other token: the 401 stands
    const replay: InternalAxiosRequestConfig = { ...config, headers: copyHeaders(config.headers) };
    const replayRecord = authorizeRequest(replay, next, true);
    // axios 1.7 drops the record when it merges the replay's config: its end is settled here too.
    return instance.request(replay).catch((replayError: unknown) => {
      const settled = authRecordOf((replayError as Partial<AxiosError>)?.config ?? {}, owner);
      throw settled ? replayError : settleRejection(replayError, replayRecord);
    });
  };

  /** With the XHR adapter, the URL the response came from after redirects (`responseURL`). */
  const finalUrlAllowed = (error: Partial<AxiosError>): boolean => {
    const responseURL = (error.request as { responseURL?: unknown } | undefined)?.responseURL;
    return typeof responseURL !== 'string' || responseURL === '' || allows(responseURL, documentBase());
  };

  const requestId = instance.interceptors.request.use(onRequest);
  const responseId = instance.interceptors.response.use(undefined, onResponseError);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}

/**
 * Whether `instance` comes from axios 1.7, which ignores `allowAbsoluteUrls` and treats a `URL`
 * object as absolute: asked once, of the instance's own `getUri`.
 */
function isLegacyAxios(instance: AxiosInstance): boolean {
  try {
    const uri = instance.getUri({
      url: 'https://absolute.invalid/',
      baseURL: 'https://base.invalid/',
      allowAbsoluteUrls: false,
    } as Parameters<AxiosInstance['getUri']>[0]);
    return !uri.startsWith('https://base.invalid');
  } catch {
    return false;
  }
}
