import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import { type AuthRecord, authRecordOf } from './auth-record.js';
import { deleteHeader, getHeader } from './request-headers.js';

type Fulfilled = (this: unknown, value: unknown) => unknown;

/** An entry of `instance.interceptors.request.handlers` (`null` once ejected). */
interface Handler {
  fulfilled?: unknown;
}

/** One attachment's judgement of the config a handler returned. */
type Check = (config: InternalAxiosRequestConfig) => void;

/** On a wrapped `fulfilled`: the function it wraps, and the checks (one per attachment) run on what it returns. */
const WRAPPED = Symbol('@tessera/axios wrapped interceptor');

type Wrapper = Fulfilled & { [WRAPPED]: [original: Fulfilled, checks: Check[]] };

/**
 * `original`, followed by `checks` on the config it returns (a new object too): at once when it
 * returns one (a `synchronous` interceptor stays synchronous), after it settles when it returns a
 * promise-like.
 */
function wrap(original: Fulfilled): Wrapper {
  const checks: Check[] = [];
  const judged = (config: unknown): unknown => {
    if (config) for (const check of checks) check(config as InternalAxiosRequestConfig);
    return config;
  };
  const wrapper = function (this: unknown, value: unknown): unknown {
    const result = original.call(this, value);
    return typeof (result as PromiseLike<unknown> | null)?.then === 'function'
      ? (result as PromiseLike<unknown>).then(judged)
      : judged(result);
  } as Wrapper;
  wrapper[WRAPPED] = [original, checks];
  return wrapper;
}

/** A `url` or `baseURL` as its verdict reads it: a `URL` object as its string (changed in place, it reads differently). */
const textOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? String(value) : value;

/**
 * Where a request config goes, as far as its verdict depends on it: the same `url`, `baseURL` and
 * `allowAbsoluteUrls`, the same verdict. Three values compared one by one: no string built per request.
 */
const destinationOf = ({ url, baseURL, allowAbsoluteUrls }: InternalAxiosRequestConfig): unknown[] => [
  textOf(url),
  textOf(baseURL),
  allowAbsoluteUrls,
];

/**
 * The origin check again after every interceptor that can run after ours. axios runs request
 * interceptors in reverse order of registration, so one registered before `attachTokenManager` runs
 * after ours and may change `url`, `baseURL` or `allowAbsoluteUrls` — or return a new config — after
 * the token was put on. At attach, the `fulfilled` of each handler already registered is wrapped
 * (`rejected`, `synchronous` and `runWhen` stay as they are): on the config it returns that carries
 * our header value, when its destination changed and is no longer allowed by `allowsRequest`, our
 * token header and proof headers (only while they still hold our values) are deleted and the record
 * is marked withheld, so that request's 401 refreshes and replays nothing (marked withheld too, our
 * proof headers deleted, when the handler replaced or removed our header: the token does not go;
 * deleted as for a move when it set `skipAuth: true`); otherwise `guard(config, record)` (the redirect guard, put back when the handler replaced `beforeRedirect`). Handlers
 * registered later run before ours and need nothing; without any at attach, nothing is wrapped and
 * the per-request cost is nothing. With axios's opt-in `legacyInterceptorReqResOrdering: false` (registration
 * order), the check runs as the request's last `transformRequest` instead.
 *
 * Two attachments share one wrapper per handler (each adds its check). `remove()` (at detach) takes
 * this attachment's check out, and gives a handler its own `fulfilled` back when no check is left and
 * the wrapper is still there.
 *
 * @returns `[note(config, record), remove(), judge(config)]`: `note` is called when `record`'s token
 *   is put on `config` (where it goes then needs no second judgement); `judge` marks the record withheld when
 *   the config a response answered went where the check would have withheld the token: its 401 then
 *   refreshes and replays nothing.
 */
export function recheckAtSend(
  instance: AxiosInstance,
  key: symbol,
  header: string,
  allowsRequest: (config: InternalAxiosRequestConfig) => boolean,
  guard: (config: InternalAxiosRequestConfig, record: AuthRecord) => void,
): [
  note: (config: InternalAxiosRequestConfig, record: AuthRecord) => void,
  remove: () => void,
  judge: (config: InternalAxiosRequestConfig) => void,
] {
  /** Whether `config` now goes elsewhere than judged, with our header, to an origin not allowed. */
  const movedAway = (config: InternalAxiosRequestConfig, record: AuthRecord): boolean =>
    !destinationOf(config).every((value, i) => value === record.judged?.[i]) &&
    getHeader(config.headers, header) === record.headerValue &&
    !allowsRequest(config);
  const judge = (config: InternalAxiosRequestConfig): void => {
    const record = authRecordOf(config, key);
    if (record && movedAway(config, record)) record.withheld = true;
  };
  const handlers = (instance.interceptors.request as { handlers?: unknown }).handlers;
  const before = (Array.isArray(handlers) ? (handlers as (Handler | null)[]) : []).filter(
    (handler) => typeof handler?.fulfilled === 'function',
  ) as Handler[];
  const check: Check = (config) => {
    const record = authRecordOf(config, key);
    if (!record) return;
    // It replaced or removed our header: the token does not go, so its 401 says nothing about it, and
    // our proof (bound to that token) goes nowhere either. `skipAuth` set after ours, or a destination no
    // longer allowed: no token goes.
    const replaced = getHeader(config.headers, header) !== record.headerValue;
    if (replaced || config.skipAuth === true || movedAway(config, record)) {
      if (!replaced) deleteHeader(config.headers, header);
      for (const [name, value] of Object.entries(record.proof ?? {})) {
        if (getHeader(config.headers, name) === value) deleteHeader(config.headers, name);
      }
      record.withheld = true;
    } else guard(config, record);
  };
  /**
   * axios ≥ 1.13 with `transitional.legacyInterceptorReqResOrdering: false` runs request interceptors
   * in order of registration: those registered after ours run after it. Judged where axios sends, in
   * the request's `transformRequest` (after every interceptor, whatever their order).
   */
  const atSend = function (this: InternalAxiosRequestConfig, data: unknown): unknown {
    check(this);
    return data;
  };
  const note = (config: InternalAxiosRequestConfig, record: AuthRecord): void => {
    record.judged = destinationOf(config);
    if (
      (config.transitional as { legacyInterceptorReqResOrdering?: boolean } | undefined)
        ?.legacyInterceptorReqResOrdering === false
    )
      config.transformRequest = ([] as unknown[]).concat(config.transformRequest ?? [], atSend) as never;
  };
  if (!before[0]) return [note, () => {}, judge];
  const wrapped = before.map((handler) => {
    if (!(WRAPPED in (handler.fulfilled as Fulfilled)))
      handler.fulfilled = wrap(handler.fulfilled as Fulfilled);
    const wrapper = handler.fulfilled as Wrapper;
    wrapper[WRAPPED][1].push(check);
    return [handler, wrapper] as const;
  });
  return [
    note,
    () => {
      for (const [handler, wrapper] of wrapped) {
        const [original, checks] = wrapper[WRAPPED];
        checks.splice(checks.indexOf(check), 1);
        if (!checks[0] && handler.fulfilled === wrapper) handler.fulfilled = original;
      }
    },
    judge,
  ];
}
