import type { InternalAxiosRequestConfig } from 'axios';
import { copyHeaders, deleteHeader } from './request-headers.js';

/** `transformRequest` of a config sent again: its body already went through the caller's transforms. */
const AS_SENT = [(data: unknown) => data];

/**
 * A copy of a sent `config`, to send again (a replay, or a redirect hop Tessera follows): headers of
 * its own, and the body exactly as it went the first time. axios ran `transformRequest` on
 * `config.data` in place, and the http adapter wrote `Content-Length` into its headers: running a
 * caller's transform again would wrap its result twice, and the old length would cut a longer body
 * short (or leave the server waiting for bytes that never come).
 */
export function sendAgain<T extends InternalAxiosRequestConfig>(config: T): T {
  const headers = copyHeaders(config.headers);
  deleteHeader(headers, 'content-length');
  return { ...config, headers, transformRequest: AS_SENT };
}
