import { isTesseraError, type TokenManager } from '@tessera/core';
import {
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  CanceledError,
  type InternalAxiosRequestConfig,
} from 'axios';
import {
  type AttachTokenManagerOptions,
  attachTokenManagerDefaults,
} from './attach-token-manager-options.js';
import { AUTH_RECORD, AuthRecord, authRecordOf } from './auth-record.js';
import { createOriginPolicy } from './create-origin-policy.js';
import { copyHeaders, deleteHeader, getHeader, setHeader } from './request-headers.js';
import { documentBase, resolveRequestUrl } from './resolve-request-url.js';

/**
 * Gives every request of `instance` to an allowed origin a valid token from `tokens`, and replays a
 * request once with the current token when the API rejects the one it carried.
 *
 * - Before sending: awaits `tokens.getAccessToken()` (one shared refresh when the token is expired) and sets
 *   `Authorization: Bearer <token>` — only for allowed origins, never over a caller-set header, never
 *   with `skipAuth: true`.
 * - On a rejection `shouldRefresh` accepts (HTTP 401): `tokens.invalidate(<the token it carried>)`,
 *   then replays it once with the current token. A replay's own 401 rejects with its `AxiosError`.
 * - Errors of the token manager (`OAuthError`, `LoginRequiredError`…) reject the request as they
 *   are; an abort while waiting for a token rejects with axios's `CanceledError`.
 *
 * @returns `detach()`, which removes both interceptors.
 * @throws {TypeError} an `origins` entry is not an origin or an unanchored RegExp, or `header` is empty.
 */
export function attachTokenManager(
  instance: AxiosInstance,
  tokens: TokenManager,
  options: AttachTokenManagerOptions = {},
): () => void {
  const header = options.header ?? attachTokenManagerDefaults.header;
  if (typeof header !== 'string' || header.trim() === '') {
    throw new TypeError('header must be a header name such as "Authorization"');
  }
  const { scheme } = options;
  const shouldRefresh = options.shouldRefresh ?? attachTokenManagerDefaults.shouldRefresh;
  const allows = createOriginPolicy(options.origins, () => instance.defaults.baseURL);
  /** Identifies this attachment's records. */
  const owner = {};

  /** The current token (one shared refresh when it is stale); an abort rejects with axios's `CanceledError`. */
  const accessTokenFor = (config: InternalAxiosRequestConfig): Promise<string> => {
    const signal = config.signal as AbortSignal | undefined;
    if (!signal) return tokens.getAccessToken();
    return tokens.getAccessToken({ signal }).catch((error: unknown) => {
      if (!isTesseraError(error, 'ABORTED')) throw error;
      const canceled = new CanceledError(undefined, config);
      canceled.cause = error;
      throw canceled;
    });
  };

  const authorize = (config: InternalAxiosRequestConfig, token: string, replay: boolean): void => {
    const type = scheme ?? tokens.peekTokens()?.tokenType ?? 'Bearer';
    const value = type === '' ? token : `${type} ${token}`;
    if (!config.headers) config.headers = {} as InternalAxiosRequestConfig['headers'];
    setHeader(config.headers, header, value);
    (config as { [AUTH_RECORD]?: AuthRecord })[AUTH_RECORD] = new AuthRecord(owner, token, value, replay);
  };

  const onRequest = async (config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> => {
    // A re-sent config keeps our record; it stays only if this send gets our token again, so a
    // request we do not authorise now is never replayed with our token.
    const record = authRecordOf(config, owner);
    if (record) (config as { [AUTH_RECORD]?: AuthRecord | undefined })[AUTH_RECORD] = undefined;
    if (config.skipAuth === true) return config;
    const present = getHeader(config.headers, header);
    const ours = record !== undefined && present === record.headerValue;
    if ((present !== undefined && present !== null && !ours) || config.auth) return config;
    if (!allows(resolveRequestUrl(config), documentBase())) {
      if (ours) deleteHeader(config.headers, header); // a re-sent config pointed somewhere else
      return config;
    }
    authorize(config, await accessTokenFor(config), record?.replay ?? false);
    return config;
  };

  const onResponseError = async (error: unknown): Promise<AxiosResponse> => {
    const axiosError = error as Partial<AxiosError> | undefined;
    const config = axiosError?.isAxiosError === true ? axiosError.config : undefined;
    if (!config || !axiosError?.response) throw error;
    const record = authRecordOf(config, owner);
    if (!record || record.replay || !shouldRefresh(error as AxiosError)) throw error;
    tokens.invalidate(record.token); // only if it is still the current token: a late 401 refreshes nothing
    const replay: InternalAxiosRequestConfig = { ...config, headers: copyHeaders(config.headers) };
    authorize(replay, await accessTokenFor(config), true);
    return instance.request(replay);
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
