import type { AxiosInstance, AxiosRequestTransformer, InternalAxiosRequestConfig } from 'axios';
import { authRecordOf } from './auth-record.js';
import { deleteHeader, getHeader } from './request-headers.js';

type Transform = (this: InternalAxiosRequestConfig | undefined, data: unknown) => unknown;

/**
 * Where a request config goes, as far as its verdict depends on it: the same string, the same verdict
 * (a `URL` object changed in place reads differently too).
 */
const destinationOf = ({ url, baseURL, allowAbsoluteUrls }: InternalAxiosRequestConfig): string =>
  `${url} ${baseURL} ${allowAbsoluteUrls}`;

/** `transforms` with `check` as its last step: as it is when it already ends with it. */
function endingWith(transforms: unknown, check: Transform): AxiosRequestTransformer[] {
  return (
    Array.isArray(transforms) && transforms.at(-1) === check
      ? transforms
      : ([] as unknown[]).concat(transforms ?? [], check)
  ) as AxiosRequestTransformer[];
}

/**
 * The origin check again where axios sends: the last `transformRequest` of every request that got
 * a token. axios runs request interceptors in reverse order of registration, so one registered before
 * `attachTokenManager` runs after ours and may change `url`, `baseURL` or `allowAbsoluteUrls` after
 * the token was put on; `transformRequest` runs after every interceptor, on the config the adapter
 * gets (`this`). When that config's destination changed and is no longer allowed by `allowsRequest`,
 * our token header and proof headers (only while they still hold our values) are deleted and the
 * record is marked withheld, so that request's 401 refreshes and replays nothing.
 *
 * The check is appended to the instance's default `transformRequest` once, so a request that keeps the
 * defaults allocates nothing; one with its own `transformRequest` gets a copy that ends with it.
 *
 * Each attachment has a check of its own; `remove()` (at detach) takes this one out of the defaults,
 * leaving every other entry (yours, another attachment's) where it is. A request already on its way
 * keeps its copy: that check finds no record of a detached attachment's and does nothing.
 *
 * @returns `[install(config), remove()]`: `install` is called when a token is put on `config`.
 */
export function recheckAtSend(
  instance: AxiosInstance,
  key: symbol,
  header: string,
  allowsRequest: (config: InternalAxiosRequestConfig) => boolean,
): [install: (config: InternalAxiosRequestConfig) => void, remove: () => void] {
  const check: Transform = function (data) {
    const record = this && authRecordOf(this, key);
    if (!record) return data;
    if (record.judged === destinationOf(this as InternalAxiosRequestConfig)) return data;
    const headers = this?.headers;
    if (!headers || getHeader(headers, header) !== record.headerValue || allowsRequest(this)) return data;
    deleteHeader(headers, header);
    for (const [name, value] of Object.entries(record.proof ?? {})) {
      if (getHeader(headers, name) === value) deleteHeader(headers, name);
    }
    record.withheld = true;
    return data;
  };
  const { defaults } = instance;
  defaults.transformRequest = endingWith(defaults.transformRequest, check);
  return [
    (config) => {
      const record = authRecordOf(config, key);
      if (record) record.judged = destinationOf(config);
      config.transformRequest = endingWith(config.transformRequest, check);
    },
    () => {
      const transforms = defaults.transformRequest;
      if (Array.isArray(transforms)) defaults.transformRequest = transforms.filter((t) => t !== check);
    },
  ];
}
