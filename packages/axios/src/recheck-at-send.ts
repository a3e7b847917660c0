import type { AxiosInstance, AxiosRequestTransformer, InternalAxiosRequestConfig } from 'axios';
import { type AuthRecord, authRecordOf } from './auth-record.js';
import { deleteHeader, getHeader } from './request-headers.js';

type Transform = (this: InternalAxiosRequestConfig | undefined, data: unknown) => unknown;

/**
 * Where a request config goes, as far as its verdict depends on it: the same string, the same verdict
 * (a `URL` object changed in place reads differently too).
 */
const destinationOf = ({ url, baseURL, allowAbsoluteUrls }: InternalAxiosRequestConfig): string =>
  `${url} ${baseURL} ${allowAbsoluteUrls}`;

/** `transforms` ending with `check`: as it is when it already holds it. */
function endingWith(transforms: unknown, check: Transform): AxiosRequestTransformer[] {
  return (
    Array.isArray(transforms) && transforms.includes(check)
      ? transforms
      : ([] as unknown[]).concat(transforms ?? [], check)
  ) as AxiosRequestTransformer[];
}

const noop = (): void => {};

/** Where a guarded config keeps its `transformRequest` (`[0]`) and the checks every value assigned to it gets (`[1]`). */
const GUARD = Symbol('@tessera/axios transformRequest');

type Guarded = InternalAxiosRequestConfig & { [GUARD]: [unknown, Transform[]] };

/**
 * `transformRequest` of a request that got a token: an accessor whose value always holds the checks,
 * so an interceptor that runs after ours and assigns transforms of its own (`config.transformRequest
 * = [...]`, or `undefined`) keeps them. One descriptor for every request.
 */
const guardedTransforms: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Guarded) {
    return this[GUARD][0];
  },
  set(this: Guarded, value: unknown) {
    const guard = this[GUARD];
    guard[0] = guard[1].reduce(endingWith, value);
  },
};

/**
 * The origin check again where axios sends: a `transformRequest` of every request that got
 * a token. axios runs request interceptors in reverse order of registration, so one registered before
 * `attachTokenManager` runs after ours and may change `url`, `baseURL` or `allowAbsoluteUrls` after
 * the token was put on; `transformRequest` runs after every interceptor, on the config the adapter
 * gets (`this`). When that config's destination changed and is no longer allowed by `allowsRequest`,
 * our token header and proof headers (only while they still hold our values) are deleted and the
 * record is marked withheld, so that request's 401 refreshes and replays nothing.
 *
 * The check is appended to the instance's default `transformRequest` once, so a request that keeps the
 * defaults gets no copy; one with its own `transformRequest` gets a copy that ends with it. On a request
 * that got a token, `transformRequest` becomes an accessor that puts the check back into whatever a
 * later interceptor assigns. An interceptor that returns a new config object with transforms of its own
 * (`{ ...config, transformRequest }`) is outside what we can see.
 *
 * Only when an interceptor is registered before `attachTokenManager` (found in `handlers` at attach):
 * without one, nothing can move a request after ours, and the check is not installed at all.
 *
 * Each attachment has a check of its own; `remove()` (at detach) takes this one out of the defaults,
 * leaving every other entry (yours, another attachment's) where it is. A request already on its way
 * keeps its copy: that check finds no record of a detached attachment's and does nothing.
 *
 * @returns `[install(config), remove(), judge(config)]`: `install` is called when a token is put on
 *   `config`; `judge` marks the record withheld when the config a response answered went where the
 *   check would have withheld the token (a new config object without the check): its 401 then
 *   refreshes and replays nothing.
 */
export function recheckAtSend(
  instance: AxiosInstance,
  key: symbol,
  header: string,
  allowsRequest: (config: InternalAxiosRequestConfig) => boolean,
): [
  install: (config: InternalAxiosRequestConfig) => void,
  remove: () => void,
  judge: (config: InternalAxiosRequestConfig) => void,
] {
  // Only an interceptor registered before ours runs after it (one registered later runs before it):
  // with none at attach, nothing moves a request between ours and the send, and the check is left
  // out, at no cost per request. An axios without `handlers` gets the check.
  const handlers = (instance.interceptors.request as { handlers?: unknown[] }).handlers;
  if (handlers?.some(Boolean) === false) return [noop, noop, noop];
  /** Whether `config` now goes elsewhere than judged, with our header, to an origin not allowed. */
  const movedAway = (config: InternalAxiosRequestConfig, record: AuthRecord): boolean =>
    record.judged !== destinationOf(config) &&
    getHeader(config.headers, header) === record.headerValue &&
    !allowsRequest(config);
  const check: Transform = function (data) {
    const record = this && authRecordOf(this, key);
    if (!this || !record || !movedAway(this, record)) return data;
    deleteHeader(this.headers, header);
    for (const [name, value] of Object.entries(record.proof ?? {})) {
      if (getHeader(this.headers, name) === value) deleteHeader(this.headers, name);
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
      const transforms = config.transformRequest;
      if (Object.getOwnPropertyDescriptor(config, 'transformRequest')?.set !== guardedTransforms.set) {
        (config as Guarded)[GUARD] = [transforms, []];
        Object.defineProperty(config, 'transformRequest', guardedTransforms);
      }
      const checks = (config as Guarded)[GUARD][1];
      if (!checks.includes(check)) checks.push(check);
      config.transformRequest = transforms as AxiosRequestTransformer[];
    },
    () => {
      const transforms = defaults.transformRequest;
      if (Array.isArray(transforms)) defaults.transformRequest = transforms.filter((t) => t !== check);
    },
    (config) => {
      const record = authRecordOf(config, key);
      if (record && movedAway(config, record)) record.withheld = true;
    },
  ];
}
