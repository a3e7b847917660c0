import type { HeadersLike, TokenManager, TokenSet } from '@tessera/core';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import {
  type AttachTokenManagerOptions,
  attachTokenManagerDefaults,
} from './attach-token-manager-options.js';
import { AuthRecord, authRecordOf } from './auth-record.js';
import { CanceledError } from './axios-classes.js';
import { nextHop, takeOverRedirects } from './constrained-redirects.js';
import {
  assertKnownOptions,
  checkHeaderName,
  checkSenderConstraint,
  createOriginPolicy,
  documentBase,
  headerValues,
  isBrowserLike,
  isTesseraError,
  releaseBody,
} from './core.js';
import {
  fetchOutcomeOf,
  guardFetchRedirects,
  isFetchRequest,
  type RedirectPolicy,
} from './guard-fetch-redirects.js';
import { guardRedirects } from './guard-redirects.js';
import { isReplayableBody } from './is-replayable-body.js';
import { recheckAtSend } from './recheck-at-send.js';
import { REDACTED, redactError, redactErrorBody } from './redact-error.js';
import { deleteHeader, getHeader, setHeader } from './request-headers.js';
import { resolveRequestUrl } from './resolve-request-url.js';
import { sendAgain } from './send-again.js';

const KNOWN_OPTIONS = ['origins', 'header', 'scheme', 'shouldRefresh', 'senderConstraint'] as const;

/**
 * The config key of a replay's id, a number (no secret): a string key, as axios 1.12–1.17 drop Symbol
 * keys (our record) when they merge a config for a request. Ids are unique over all attachments.
 */
const REPLAY_ID = 'tesseraReplay';
let replayIds = 0;

/**
 * Gives every request of `instance` to an allowed origin a valid token from `tokens`, and replays a
 * request once with the current token when the API rejects the one it carried.
 *
 * - Before sending: takes `tokens.freshTokens()`, or else awaits `tokens.getTokens()` (one shared
 *   refresh when the token is expired), and sets `Authorization: <tokenType> <token>` from that one set — only when the URL axios will send
 *   to (string or `URL`, `baseURL`, `allowAbsoluteUrls`) has an allowed origin, never over a
 *   caller-set header, never with `skipAuth: true`. Judged again after each interceptor
 *   registered before it (axios runs those after ours), on the config each returns: one that moves
 *   the request elsewhere (or sets `skipAuth: true`) sends no token, one that replaces our header gets no refresh for its 401, and one that replaces `beforeRedirect` keeps the redirect guard. With the http adapter, every redirect hop is
 *   checked too: the token header (and `DPoP`) never follows to an origin that is not allowed.
 *   With the fetch adapter (axios ≥ 1.12), the request's `env.fetch` becomes a wrapper of the fetch
 *   axios would use; outside browsers it follows the redirects itself and checks every hop the
 *   same way (`followRedirects` from `@tessera/core`), and it notes the final URL.
 * - On a rejection `shouldRefresh` accepts (HTTP 401) from where the token went (the final URL
 *   after redirects, never after a hop the token was withheld at; never with the fetch adapter of
 *   axios < 1.12, which does not tell where its response came from):
 *   `tokens.invalidate(<the token it carried>)`, then replays it once with the current token — unless
 *   the manager has no other token, or the body is a stream that cannot be sent twice (the 401
 *   reaches the caller). A replay's own 401 rejects with its `AxiosError`.
 * - Errors handed to the caller never show the token (`JSON.stringify`, `util.inspect`).
 * - Errors of the token manager (`OAuthError`, `LoginRequiredError`…) reject the request as they
 *   are; an abort while waiting for a token rejects with axios's `CanceledError` (a legacy
 *   `cancelToken`: with its own `Cancel`).
 *
 * @returns `detach()`, which removes both interceptors and gives the interceptors registered before it their own `fulfilled` back.
 * @throws {TypeError} options that are not an object, an unknown option (with a "did you mean"), an `origins` entry that is not an
 *   origin or an unanchored RegExp, an empty `header`, or a `shouldRefresh` that is not a function.
 */
export function attachTokenManager(
  instance: AxiosInstance,
  tokens: TokenManager,
  options: AttachTokenManagerOptions = {},
): () => void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('attachTokenManager(): options must be an object such as { origins }');
  }
  assertKnownOptions(options, KNOWN_OPTIONS, 'attachTokenManager()');
  const header = checkHeaderName(options.header ?? attachTokenManagerDefaults.header, 'attachTokenManager()');
  const constraint = checkSenderConstraint(options, 'attachTokenManager()', tokens.senderConstraint);
  // With a constraint, its scheme (never beside a `scheme` option): the value `authorize` puts, checked once per set.
  const headerValueOf = headerValues(header, constraint?.scheme ?? options.scheme, 'attachTokenManager()');
  const shouldRefresh = options.shouldRefresh ?? attachTokenManagerDefaults.shouldRefresh;
  // As `withTokens`: else only the first 401 would tell, with "shouldRefresh is not a function".
  if (typeof shouldRefresh !== 'function') {
    throw new TypeError('attachTokenManager(): shouldRefresh must be a function');
  }
  const allows = createOriginPolicy(options.origins, () => instance.defaults.baseURL);
  /** Never sent to an origin the policy does not allow: the token header and `DPoP` (a proof bound to the token). */
  const credentials = [header.toLowerCase(), 'dpop'];
  /** One per attachment: the fetch adapter's wrappers are keyed by it (never one per request). */
  const redirectPolicy: RedirectPolicy = {
    allows,
    credentials,
    rebind: constraint?.rebind(header),
  };
  const [legacy, urlObjects] = axiosRules(instance);
  /** The key of this attachment's records (`authRecordOf`). */
  const owner = Symbol('@tessera/axios');
  /** The records of this attachment's replays in flight, by id (`REPLAY_ID`). */
  const replays = new Map<unknown, AuthRecord>();

  /** Whether every URL the request may go to is allowed (none known: no). */
  const judge = (config: InternalAxiosRequestConfig, base: string | undefined): boolean => {
    const target = resolveRequestUrl(config, legacy, urlObjects);
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
  /** A user interceptor registered before ours runs after it: what it returns is judged again. */
  const [recheck, removeRecheck, judgeAnswered] = recheckAtSend(
    instance,
    owner,
    header,
    allowsRequest,
    // This attachment's redirect guard again: chaining the hook when it replaced `beforeRedirect`.
    (config, made) => guardRedirects(config, allows, credentials, made),
  );

  /**
   * The current token set (one shared refresh when stale). An abort of `signal` rejects with axios's
   * `CanceledError`; a cancel of a legacy `cancelToken` (also when there is a `signal`) with its own
   * reason, as axios would reject it.
   */
  const tokenSetFor = (config: InternalAxiosRequestConfig): Promise<TokenSet> => {
    const own = config.signal as AbortSignal | undefined;
    const cancelToken = config.cancelToken as CancelTokenLike | undefined;
    const canceler = cancelToken?.toAbortSignal?.();
    let signal = own || canceler;
    if (!signal) return tokens.getTokens();
    let abort: (() => void) | undefined;
    if (own && canceler) {
      // Both set: either ends the wait. A listener on each (removed when the wait ends), not
      // `AbortSignal.any`, which throws (browsers) or never hears (Node 20) a `signal` axios takes
      // that is not a native one of this realm (a polyfill's, jsdom's, another frame's).
      const either = new AbortController();
      abort = () => either.abort(own.aborted ? own.reason : canceler.reason);
      if (own.aborted || canceler.aborted) abort();
      own.addEventListener('abort', abort);
      canceler.addEventListener('abort', abort); // dropped with `canceler`
      signal = either.signal;
    }
    const got = tokens.getTokens({ signal }).catch((error: unknown) => {
      if (!isTesseraError(error, 'ABORTED')) throw error;
      if (!own?.aborted) throw cancelToken?.reason; // what a cancel put there
      const canceled = new CanceledError(undefined, config);
      canceled.cause = error;
      throw canceled;
    });
    return canceler
      ? got.finally(() => {
          abort && own?.removeEventListener('abort', abort);
          (canceler as { unsubscribe?: () => void }).unsubscribe?.();
        })
      : got;
  };

  /**
   * The one place that builds the auth headers of a send (first send and replays): the token and
   * its scheme from one `TokenSet`, the record, and the redirect guard. With a sender constraint,
   * `authorize` puts `<scheme> <token>` and a fresh proof for `config.method` and the URL, from the
   * same set (asynchronous then), and outside browsers Tessera follows the request's redirects itself
   * (`takeOverRedirects`), so each hop gets a proof of its own.
   */
  const authorizeRequest = (
    config: InternalAxiosRequestConfig,
    set: TokenSet,
    replay: boolean,
    nonceReplayed = false,
  ): AuthRecord | Promise<AuthRecord> => {
    config.headers ||= {} as InternalAxiosRequestConfig['headers'];
    if (!constraint) return record(config, new AuthRecord(set.accessToken, headerValueOf(set), replay));
    const method = (config.method ?? 'get').toUpperCase();
    const put = (name: string, value: string) => setHeader(config.headers, name, value);
    return constraint.authorize(set, method, proofUrl(config), header, put).then((proof) => {
      // As `authorize` put it; refused (quoting no token) before the interceptor lets the request go.
      const value = headerValueOf(set);
      if (!isBrowserLike()) takeOverRedirects(config);
      const made = record(config, new AuthRecord(set.accessToken, value, replay, nonceReplayed, proof));
      // A `URL` object changed in place while the proof was signed: neither the token nor the proof goes there.
      if (!allowsRequest(config)) {
        for (const name of [header, ...Object.keys(proof)]) deleteHeader(config.headers, name);
        made.withheld = true;
      }
      return made;
    });
  };

  /** Sets the token header, puts the record on the request and guards its redirects. */
  const record = (config: InternalAxiosRequestConfig, made: AuthRecord): AuthRecord => {
    setHeader(config.headers, header, made.headerValue);
    (config as object as Record<symbol, unknown>)[owner] = made;
    guardRedirects(config, allows, credentials, made);
    guardFetchRedirects(config, redirectPolicy);
    recheck(config, made);
    return made;
  };

  /** The absolute URL a proof is made for (axios appends `params` as the query, which `htu` leaves out). */
  const proofUrl = (config: InternalAxiosRequestConfig): string => {
    const target = resolveRequestUrl(config, legacy, urlObjects);
    return new URL(typeof target === 'string' ? target : (target?.[0] ?? ''), documentBase()).href;
  };

  /**
   * A redirect of a sender-constrained request whose hops Tessera follows (`takeOverRedirects`): the
   * next hop (`nextHop`), sent through the interceptors again (a fresh proof for its own method and
   * URL, a token only where the policy allows). `undefined` when `response` is not one.
   * Rejects with (redacted) what `nextHop` throws: too many redirects, a `Location` that is not an
   * http(s) URL, a `beforeRedirect` that throws.
   */
  const followHop = (response: AxiosResponse): Promise<AxiosResponse> | undefined => {
    let next: InternalAxiosRequestConfig | undefined;
    try {
      next = nextHop(response, proofUrl, credentials, allows);
    } catch (error) {
      const record = authRecordOf(response.config, owner);
      if (record) return reject(error, record);
      throw error;
    }
    return next && instance.request(next);
  };

  /**
   * Every response of a sender-constrained send teaches the constraint its server's nonce;
   * `answer`: whether it is a nonce challenge to answer with one replay (`constraint.isNonceReplay`).
   */
  const nonceReplay = (response: AxiosResponse, answer: boolean): boolean => {
    const proof = authRecordOf(response.config, owner)?.proof;
    // The fetch adapter in Node: the response where the hops the wrapper followed ended, and the proof that went there.
    const followed = fetchOutcomeOf(response.request)?.response;
    return (
      !!proof &&
      (constraint as NonNullable<typeof constraint>).isNonceReplay(
        followed ?? (response as { status: number; headers?: HeadersLike }),
        proof,
        answer,
        followed,
        proofUrl(response.config),
      )
    );
  };

  const onRequest = (
    config: InternalAxiosRequestConfig,
  ): InternalAxiosRequestConfig | Promise<InternalAxiosRequestConfig> => {
    // A re-sent config keeps our record; it stays only if this send gets our token again, so a
    // request we do not authorise now is never replayed with our token.
    const record = authRecordOf(config, owner);
    let replay = false;
    if (record) {
      const present = getHeader(config.headers, header);
      // Our replay, just authorised with a fresh token set: sent as it is.
      if (
        (record.replay || record.nonceReplayed) &&
        present === record.headerValue &&
        config.skipAuth !== true &&
        !record.claimed
      ) {
        record.claimed = true; // the send it was made for takes it once
        recheck(config, record); // axios merged it into a new config: where it goes now is what was judged
        return config;
      }
      // A replay stays one (a redirect hop of it, an interceptor that took its header); an `error.config` we
      // handed over (redacted) and the caller sent again is the caller's own request, as any other.
      replay = record.replay && present !== REDACTED;
      (config as object as Record<symbol, unknown>)[owner] = undefined;
      if (present === record.headerValue || present === REDACTED) {
        deleteHeader(config.headers, header);
        for (const name of Object.keys(record.proof ?? {})) deleteHeader(config.headers, name);
      }
    }
    let present = getHeader(config.headers, header);
    // Our replay or a redirect hop of it Tessera follows (no header), whose record axios 1.12–1.17 dropped
    // when it merged its config: judged with it again (no lookup while no replay is in flight).
    const dropped =
      !record && replays.size > 0 && replays.get((config as object as Record<string, unknown>)[REPLAY_ID]);
    if (dropped) {
      (config as object as Record<symbol, unknown>)[owner] = dropped;
      return onRequest(config);
    }
    if (present === REDACTED) {
      // error.config sent again by an axios that dropped our record (1.12–1.17): never the marker on the wire.
      for (const name of credentials) {
        if (getHeader(config.headers, name) === REDACTED) deleteHeader(config.headers, name);
      }
      present = undefined;
    }
    if (config.skipAuth === true) return config;
    // `null` and `false` are axios's "send no such header", a choice of the caller's (decision 0201).
    if (present !== undefined || config.auth) return config;
    if (!allowsRequest(config)) return config;
    // The path every request takes: a set that is fresh right now is used at once and the config
    // returned as it is, not as a promise (decision 0019); otherwise wait for `getTokens()`.
    const fresh = (config.signal as AbortSignal | undefined)?.aborted ? undefined : tokens.freshTokens();
    if (fresh === undefined) return authorizeWhenReady(config, replay);
    const made = authorizeRequest(config, fresh, replay);
    // A sender-constrained send waits for its proof (DPoP signs asynchronously).
    return made instanceof Promise ? made.then(() => config) : config;
  };

  /**
   * Waits for the token set (no closure per request: this is the path every request takes), then
   * judges the request again: a `URL` object (`url` or `baseURL`) changed in place during the wait
   * goes where it now points, as axios reads it only when it sends.
   */
  const authorizeWhenReady = async (
    config: InternalAxiosRequestConfig,
    replay: boolean,
  ): Promise<InternalAxiosRequestConfig> => {
    const set = await tokenSetFor(config);
    if (allowsRequest(config)) await authorizeRequest(config, set, replay);
    return config;
  };

  const onResponseError = async (error: unknown): Promise<AxiosResponse> => {
    const axiosError = (error ?? {}) as Partial<AxiosError>;
    const config = axiosError.isAxiosError === true ? axiosError.config : undefined;
    if (!config) throw error;
    const record = authRecordOf(config, owner);
    if (record) judgeAnswered(config); // sent elsewhere without our send-time check: withheld
    const { response } = axiosError;
    const carried = !!record && !record.withheld && finalUrlAllowed(axiosError);
    if (constraint && response) {
      // A nonce challenge from where the proof went: one replay with a fresh proof, no refresh.
      if (record && nonceReplay({ ...response, config }, carried && !record.nonceReplayed)) {
        const same = await replayable(error, config, record);
        return resend(config, response, same, record.replay, true);
      }
      // A redirect Tessera follows: a 3xx validateStatus refused, or a hop that carries no token
      // (withheld at an origin the policy does not allow).
      const followed = followHop(response);
      if (followed) return followed;
    }
    if (!record) throw error;
    // No response (a timeout, a refused connection, an abort, too many redirects): the config still shows the token.
    if (!response) throw redact(error, record);
    const rejected = carried && shouldRefresh(error as AxiosError, record.scheme);
    // Only if it is still the current token: a late 401 refreshes nothing (a replay's: the manager may start a cooldown).
    if (rejected) tokens.invalidate(record.token);
    if (record.replay || !rejected) return reject(error, record);
    const next = await replayable(error, config, record);
    if (next.accessToken === record.token) return reject(error, record); // no other token: the 401 stands
    return resend(config, response, next, true, record.nonceReplayed);
  };

  /**
   * The token set to replay `config` with; rejects with the redacted `error` when its body is a
   * stream that cannot be sent twice (a replay would send it empty; a nonce is learned for the next
   * request), and with what the manager rejects with (the error redacted all the same).
   */
  const replayable = async (
    error: unknown,
    config: InternalAxiosRequestConfig,
    record: AuthRecord,
  ): Promise<TokenSet> => {
    if (!isReplayableBody(config.data)) return reject(error, record);
    try {
      return await tokenSetFor(config);
    } catch (reason) {
      redact(error, record);
      releaseBody({ body: (error as AxiosError).response?.data }); // the caller gets `reason`, never this response
      throw reason;
    }
  };

  /**
   * Sends `config` again with the token of `set` (and a fresh proof), in place of the `rejected`
   * response (its body freed: no one else reads it); the replay's own end is settled here.
   */
  const resend = async (
    config: InternalAxiosRequestConfig,
    rejected: AxiosResponse,
    set: TokenSet,
    replay: boolean,
    nonceReplayed: boolean,
  ): Promise<AxiosResponse> => {
    releaseBody({ body: rejected.data });
    const again = sendAgain(config);
    const replayRecord = await authorizeRequest(again, set, replay, nonceReplayed);
    // axios ≤ 1.17 drops the record when it merges the replay's config: found again by its id
    // (`onRequest`), and its end is settled here too.
    const id = ++replayIds;
    (again as object as Record<string, unknown>)[REPLAY_ID] = id;
    replays.set(id, replayRecord);
    const sent = instance.request(again).finally(() => replays.delete(id));
    return sent.catch((replayError: unknown) => {
      const settled = authRecordOf((replayError as Partial<AxiosError>)?.config ?? {}, owner);
      // Settled by the interceptor, unless detached meanwhile: redacted here either way.
      // Not settled: invalidate its token on a rejection from where it went (`shouldRefresh` asked once).
      if (
        !settled &&
        (replayError as Partial<AxiosError>)?.isAxiosError === true &&
        (replayError as AxiosError).response &&
        !replayRecord.withheld &&
        finalUrlAllowed(replayError as AxiosError) &&
        shouldRefresh(replayError as AxiosError, replayRecord.scheme)
      )
        tokens.invalidate(replayRecord.token); // a replay's 401: the manager may start a cooldown
      return reject(replayError, replayRecord);
    });
  };

  /**
   * Whether the response came from where the token went. The fetch adapter: what the wrapped
   * `env.fetch` saw (axios ≥ 1.12) — not after a hop the credentials were withheld at, and a final
   * URL the policy allows; a fetch-adapter `Request` the wrapper never saw (axios < 1.12, which
   * ignores `env.fetch`): no, fail closed (decision 0209). XHR: its `responseURL` has the origin
   * the token went to (the browser followed the redirects). Otherwise (the
   * http adapter, whose hops `guardRedirects` checks; an empty URL): yes.
   */
  const finalUrlAllowed = (error: Partial<AxiosError>): boolean => {
    const request = error.request as { responseURL?: unknown } | undefined;
    const outcome = fetchOutcomeOf(request);
    if (outcome) {
      if (outcome.withheld || outcome.stripped?.includes(redirectPolicy)) return false;
      return outcome.url === '' || allows(outcome.url, documentBase());
    }
    if (isFetchRequest(request)) return false;
    const responseURL = request?.responseURL;
    // The browser strips `Authorization` at an origin change, even to an allowed origin: the one
    // rule `@tessera/fetch` applies to `response.url` (decision 0209).
    return (
      typeof responseURL !== 'string' ||
      responseURL === '' ||
      new URL(responseURL, documentBase()).origin ===
        new URL(proofUrl(error.config as InternalAxiosRequestConfig)).origin
    );
  };

  const requestId = instance.interceptors.request.use(onRequest);
  const responseId = instance.interceptors.response.use(
    constraint
      ? (response) => {
          nonceReplay(response, false);
          return followHop(response) ?? response;
        }
      : undefined,
    onResponseError,
  );
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
    removeRecheck();
  };
}

/** The parts of axios's `CancelToken` (≥ 1.7: `toAbortSignal`) a wait for a token listens to. */
interface CancelTokenLike {
  reason?: unknown;
  toAbortSignal?: () => AbortSignal;
}

/** What an error must not show: the record's header value, its token, and its proof. */
const secretsOf = (record: AuthRecord): string[] => [
  record.headerValue,
  record.token,
  ...Object.values(record.proof ?? {}),
];

/** `error` without what it must not show (`secretsOf`). */
function redact<E>(error: E, record: AuthRecord): E {
  return redactError(error, secretsOf(record));
}

/** Rejects with `error` redacted, its `blob` body read first (`redactErrorBody`): before the caller sees it. */
function reject(error: unknown, record: AuthRecord): Promise<never> {
  return redactErrorBody(error, secretsOf(record)).then((redacted) => {
    throw redacted;
  });
}

/**
 * How the instance's axios builds a URL, asked once of its own `getUri` (what its adapters call):
 * `legacy`, axios 1.7 (below the supported floor, still judged the way it sends), which ignores
 * `allowAbsoluteUrls`; `urlObjects`, whether a `URL` object `url` wins over `baseURL` as an absolute
 * URL (1.7, 1.12) rather than making axios throw (1.21).
 */
function axiosRules(instance: AxiosInstance): [legacy: boolean, urlObjects: boolean] {
  const absolute = 'http://a.invalid/';
  /** Whether `url` wins over a `baseURL` (`params: null`: no default params to append). */
  const wins = (url: unknown, allowAbsoluteUrls: boolean): boolean => {
    try {
      const config = { url, baseURL: 'http://b.invalid/', allowAbsoluteUrls, params: null };
      return String(instance.getUri(config as Parameters<AxiosInstance['getUri']>[0])) === absolute;
    } catch {
      return false; // axios threw: it would send nothing
    }
  };
  return [wins(absolute, false), wins(new URL(absolute), true)];
}
