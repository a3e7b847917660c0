import type { RefreshScheduler } from './background-refresh.js';
import type { Clock } from './clock.js';
import { type DisposableWhereKnown, disposeWhereKnown } from './disposable-where-known.js';
import { AbortError } from './errors/abort-error.js';
import { DisposedError } from './errors/disposed-error.js';
import { isOAuthError, isTesseraError } from './errors/guards.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import type { TesseraError } from './errors/tessera-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { RefreshReason, TokenEvent, TokenEventListener } from './events.js';
import { checkTokenManagerOptions, timeOf } from './internal/check-token-manager-options.js';
import { redactedError } from './internal/copy-cause-chain.js';
import { redactor } from './internal/redact.js';
import { places, refusedBodies } from './internal/response-where.js';
import { runWithRetry } from './internal/retry-policy.js';
import { hold, type Waits } from './internal/timer.js';
import { withTimeout } from './internal/with-timeout.js';
import { worstCaseRefresh } from './internal/worst-case-refresh.js';
import type { RefreshLock } from './refresh-lock.js';
import type { SenderConstraint } from './resource-server/sender-constraint.js';
import { defaultRetryOptions, type RetryOptions } from './retry-options.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { type FetchTokens, type TokenManagerOptions, tokenManagerDefaults } from './token-manager-options.js';
import { type TokenResponse, type TokenSet, toTokenSet } from './token-set.js';
import { isTransient } from './transient.js';

/** Options of `getAccessToken` and `getTokens`. */
export interface GetTokenOptions {
  /**
   * Obtain a new token set even if the current one is valid. Joins a refresh already in flight.
   * @default false
   */
  forceRefresh?: boolean;
  /**
   * Rejects this caller only, with `AbortError`; a shared token request goes on for the others.
   * @default undefined (wait until the token request settles)
   */
  signal?: AbortSignal;
}

export interface TokenManager extends DisposableWhereKnown {}

/** The shortest reuse of a set this manager just obtained, doubled while sets arrive already due (decision 0010). */
const MIN_REUSE = 1_000;
/** `#freshUntil` of a set that must not be served, and `#ignoreInvalidationUntil` when nothing is ignored. */
const NEVER = -Infinity;

/** Rejects with the abort reason as it is: the manager's `DisposedError`. Also the no-op handler of a rejection nobody awaits. */
const asIs = (reason?: unknown): unknown => reason;
/**
 * Whether `a` and `b` are one set: a server that answers a refresh with the same access token and a
 * rotated refresh token has made a new one, whose refresh token alone is valid. One without a refresh
 * token (a storage that never persists it) is still ours.
 */
const same = (a: TokenSet | undefined, b: TokenSet | undefined): boolean =>
  a?.accessToken === b?.accessToken &&
  !(a?.refreshToken && b?.refreshToken && a.refreshToken !== b.refreshToken);

/** What the callers of a refresh get when its set was removed (`clear()`, another tab's sign-out) before it ended. */
const clearedDuringRefresh = (): LoginRequiredError =>
  new LoginRequiredError('The tokens were cleared while a refresh was in flight: the user must sign in');

/** What a refresh ends with: the set, and whether it was adopted (stored or heard of) rather than requested. */
type Outcome = [tokens: TokenSet, adopted?: true];

/** Per caller signal, the last promise raced against it and that race. */
const races = new WeakMap<AbortSignal, [Promise<unknown>, Promise<unknown>]>();

/**
 * `promise`, or `AbortError` for this caller once `signal` aborts. Callers that share one signal
 * share one race (one `abort` listener per signal and promise, not one per caller), so hundreds of
 * them print no `MaxListenersExceededWarning`.
 */
function race<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  let entry = races.get(signal);
  if (entry?.[0] !== promise) {
    entry = [
      promise,
      withTimeout(
        () => promise,
        signal,
        (reason) => new AbortError(reason),
      ),
    ];
    races.set(signal, entry);
  }
  return entry[1] as Promise<T>;
}

/**
 * Obtains, caches and refreshes one token set. However many callers ask at once, at most one token
 * request is in flight; every caller gets its result.
 *
 * @example
 * const tokens = new TokenManager({ fetchTokens: refreshTokenGrant({ tokenUrl, clientId }) });
 * await tokens.setTokens(await passwordGrant({ tokenUrl, clientId }, { username, password }));
 * const accessToken = await tokens.getAccessToken();
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor installs it where Symbol.dispose exists.
export class TokenManager {
  readonly #fetchTokens: FetchTokens;
  readonly #storage: TokenStorage;
  readonly #refreshMargin: number;
  readonly #retry: Required<RetryOptions> | false;
  readonly #retryTimeouts: boolean;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #lock: RefreshLock | undefined;
  readonly #key: string;
  readonly #tokenTypes: readonly string[];
  readonly #rejectionCooldown: number;
  readonly #senderConstraint: SenderConstraint | undefined;
  readonly #listeners = new Set<TokenEventListener>();
  readonly #disposal = new AbortController();
  readonly #stopWatchingStorage: () => void;
  /** Only with `refreshInBackground`. */
  readonly #background: RefreshScheduler | undefined;

  #current: TokenSet | undefined;
  /** `Promise.resolve(#current.accessToken)`, made once per set: the cached `getAccessToken()` allocates nothing. */
  #resolvedToken: Promise<string> | undefined;
  /** Epoch ms before which `#current` is served as is: `-Infinity` when stale, absent or disposed. */
  #freshUntil = NEVER;
  #loaded = false;
  #loading: Promise<void> | undefined;
  /**
   * The refresh a caller joins. Dropped at a clear (`clear()`, a session end, a sign-out in another tab)
   * that came after it started: that flight can only end in `LoginRequiredError`.
   */
  #inFlight: Promise<TokenSet> | undefined;
  /** The storage read after another tab's change that has not started yet: later changes join it. */
  #reread: Promise<TokenSet | undefined> | undefined;
  /** The retry wait of `#inFlight`: unref'd while only the background timer waits for it (decision 0004). */
  #waits: Waits | undefined;
  /** With `crossTab`: an empty storage after a refresh means another tab signed out (decision 0604). */
  readonly #sharedWithTabs: boolean;
  /** The `#epoch` `#inFlight` started in: a flight that ends replaced starts its successor, never joins itself. */
  #flightEpoch = -1;
  /** The refusal (`invalid_grant`) that ended the session, until a new set arrives or `clear()` runs. */
  #sessionEnd: TesseraError | undefined;
  /** Bumped whenever the set is replaced or removed from outside a refresh; a refresh started in an older epoch does not store its result. */
  #epoch = 0;
  /** Every storage operation, one after another: a write never overtakes a later `clear()` or `setTokens()`. */
  #storageQueue: Promise<unknown> = Promise.resolve();
  /** Runs the newest storage `set` or `remove` that started again, in the queue (decision 0007, late writes). */
  #lastWrite: (() => Promise<unknown>) | undefined;
  /** The set this manager last wrote: a storage that tells its subscribers of its own writes hands it back (decision 0007). */
  #written: TokenSet | undefined;
  /** The set `clear()` or a session end last removed: a storage error may still quote it (decision 0027). */
  #cleared: TokenSet | undefined;
  /** The set storage last handed this manager (another replica's, never adopted, may be a refresh's base): also quotable. */
  #seen: TokenSet | undefined;
  /**
   * Refresh tokens of sets this manager left behind: rotated away by its refreshes, or replaced by a
   * newer set it heard of from storage. A stored set that still carries one is older than ours (a write
   * of ours that failed or landed late, a restored snapshot, a lagging replica), never another manager's
   * newer one: it is not adopted, and its spent token not sent. At most 8 of them: when full, the
   * first (the first spent since storage was last seen holding our set: what storage still holds if
   * writes began to fail there) stays and the oldest of the others goes (decision 0007). Also the access
   * token of a set this manager cleared or heard removed: that set is never adopted again.
   */
  readonly #spent: string[] = [];
  /** Storage was seen holding our set: the next token spent goes first in `#spent` (decision 0007). */
  #inStep = false;
  /** The epoch whose removal failed: run again before the next storage operation and at `dispose()` (decision 0007). */
  #unremoved = NEVER;
  /** The storage call of the removal last started, also one `dispose()` cut short: it still settles. */
  #removing: Promise<unknown> = this.#storageQueue;
  /** Until when `invalidate()` is ignored: the current set came from a refresh an invalidation caused (decision 0011). */
  #ignoreInvalidationUntil = NEVER;
  #reuseFloor = MIN_REUSE;
  /**
   * Aborted (and replaced) as each epoch ends, and at `dispose()`: ends the retry loop of a refresh
   * of the replaced or removed set at once, so no token request follows a sign-out and the callers
   * are not held up by an old backoff (decision 0005).
   */
  #epochEnd = new AbortController();

  constructor(options: TokenManagerOptions) {
    checkTokenManagerOptions(options);
    this.#fetchTokens = options.fetchTokens;
    const { senderConstraint: constraint, crossTab } = options;
    // An option as given, else its default.
    const or = <K extends keyof typeof tokenManagerDefaults>(name: K) =>
      options[name] ?? tokenManagerDefaults[name];
    this.#senderConstraint = constraint;
    this.#key = or('key');
    let storage = options.storage ?? memoryStorage();
    // A set another tab posts is checked as a stored one is: one the manager cannot use is ignored.
    if (crossTab) storage = crossTab.wrapStorage(storage, this.#key, (value) => this.#parse(value));
    // Outermost, so sets from other tabs pass the key check too.
    this.#storage = constraint?.bindStorage ? constraint.bindStorage(storage) : storage;
    this.#refreshMargin = or('refreshMargin');
    this.#retry = options.retry === false ? false : { ...defaultRetryOptions, ...options.retry };
    this.#retryTimeouts = or('retryTimeouts');
    this.#timeout = or('timeout');
    this.#clock = or('clock');
    this.#lock = options.lock ?? crossTab?.lock;
    this.#sharedWithTabs = !!crossTab;
    this.#tokenTypes =
      options.tokenTypes ?? (constraint ? [constraint.scheme] : tokenManagerDefaults.tokenTypes);
    this.#rejectionCooldown = or('rejectionCooldown');
    this.#background = options.refreshInBackground?.(() => {
      if (!this.#current || this.#disposal.signal.aborted) return;
      if (this.#clock() < this.#freshUntil) {
        this.#background?.schedule(this.#freshUntil, this.#clock());
        return;
      }
      // A failed background refresh tries again later (the floor keeps growing) while the set is kept.
      this.#refresh('background', 0).catch(() => {
        if (this.#current && !this.#disposal.signal.aborted && !this.#background?.scheduled) {
          this.#background?.schedule(this.#refreshAtOf(this.#current), this.#clock());
        }
      });
    });
    this.#stopWatchingStorage = this.#storage.subscribe?.((value) => this.#onExternalChange(value)) ?? asIs;
    // Vue's reactive()/Pinia skip objects marked like this (what `markRaw` does): a proxy would
    // break the private fields, and a deep watcher would walk the whole manager. Configurable, because
    // Vue 3.4's markRaw() redefines it (3.5 checks first): a manager passed to markRaw must not throw.
    Object.defineProperty(this, '__v_skip', { value: true, configurable: true });
    // `using tokens = new TokenManager(…)` (decision 0020).
    disposeWhereKnown(this);
  }

  /**
   * The `senderConstraint` option (DPoP), if any: `attachTokenManager` and `withTokens` use it when
   * they are not given one.
   */
  get senderConstraint(): SenderConstraint | undefined {
    return this.#senderConstraint;
  }

  /** The name this manager uses for locks, e.g. `orders-api`. */
  get key(): string {
    return this.#key;
  }

  /**
   * A valid access token: the cached one, or a new one from a single shared token request.
   *
   * @throws {OAuthError} the server refused (`invalid_grant`: sign in again).
   * @throws {LoginRequiredError} there is no session to refresh.
   * @throws {AbortError} `options.signal` aborted.
   * @throws {NetworkError | TimeoutError | HttpError | RateLimitError} retries were exhausted.
   * @throws {MalformedResponseError} a 2xx answer without a usable token; a new `refresh_token` in it is kept (decision 0013).
   */
  getAccessToken(options?: GetTokenOptions): Promise<string> {
    if (options === undefined && this.#clock() < this.#freshUntil) {
      this.#resolvedToken ??= Promise.resolve((this.#current as TokenSet).accessToken);
      return this.#resolvedToken;
    }
    return this.getTokens(options).then((tokens) => tokens.accessToken);
  }

  /**
   * The whole valid `TokenSet`; same rules as `getAccessToken`. Transports take the token and its
   * `tokenType` from this one set.
   */
  getTokens(options?: GetTokenOptions): Promise<TokenSet> {
    if (this.#clock() < this.#freshUntil && !options?.forceRefresh && !options?.signal?.aborted) {
      return Promise.resolve(this.#current as TokenSet);
    }
    return this.#getTokens(options ?? {});
  }

  async #getTokens({ signal, forceRefresh }: GetTokenOptions): Promise<TokenSet> {
    this.#disposal.signal.throwIfAborted();
    if (signal?.aborted) throw new AbortError(signal.reason);
    if (!this.#loaded) await race(this.#load(), signal);
    const current = this.#current;
    if (current && !forceRefresh && this.#clock() < this.#freshUntil) return current;
    const reason: RefreshReason = forceRefresh
      ? 'forced'
      : !current
        ? 'initial'
        : this.#freshUntil === NEVER
          ? 'invalidated'
          : 'expired';
    // Rejects this caller only: the shared refresh goes on for the others.
    const raced = race(this.#refresh(reason, signal ? 1 : Infinity), signal);
    const waits = this.#waits;
    // Once it aborted, this caller no longer holds the flight's retry wait (decision 0004).
    signal && raced.catch(() => signal.aborted && hold(waits, -1));
    return raced;
  }

  /**
   * The current set only when `getTokens()` would resolve with it right now without a token
   * request: loaded, not stale (within its refresh margin), not invalidated, not disposed. Else
   * `undefined`, and the caller awaits `getTokens()`. Synchronous, never refreshes, never throws:
   * the per-request fast path of the transports (`@tessera/axios`, `@tessera/fetch`).
   *
   * @example
   * const set = tokens.freshTokens() ?? (await tokens.getTokens());
   */
  freshTokens(): TokenSet | undefined {
    return this.#clock() < this.#freshUntil ? this.#current : undefined;
  }

  /** The current set without validating or refreshing it (may be expired); `undefined` before the first load. */
  peekTokens(): TokenSet | undefined {
    return this.#current;
  }

  /**
   * Reads the stored set once (a no-op afterwards) without refreshing it, and resolves with what
   * `peekTokens()` then returns: the stored set, possibly expired, or `undefined` if there is none.
   * For UIs that render "signed in" before the first API call. A `loaded` event fires after the read.
   *
   * @throws {DisposedError} the manager was disposed.
   */
  async ready(): Promise<TokenSet | undefined> {
    this.#disposal.signal.throwIfAborted();
    if (!this.#loaded) await this.#load();
    return this.#current;
  }

  /**
   * Stores a token set obtained elsewhere, e.g. by `passwordGrant` or an authorization-code flow.
   * Accepts an OAuth2 token response or a `TokenSet`. Once it resolves, storage holds this set,
   * never the result of a refresh that was in flight.
   *
   * @throws {MalformedResponseError} `tokens` has no usable `access_token`.
   * @throws {DisposedError} the manager was disposed: nothing is stored.
   */
  async setTokens(tokens: TokenResponse | TokenSet): Promise<TokenSet> {
    this.#disposal.signal.throwIfAborted();
    const set = toTokenSet(tokens, timeOf(this.#clock, 'setTokens()'), 'setTokens', this.#tokenTypes);
    this.#nextEpoch();
    this.#adopt(set);
    await this.#write(set, this.#epoch);
    this.#emit({ type: 'tokens_set', tokens: set });
    return set;
  }

  /**
   * Marks `accessToken` stale because a resource server rejected it (HTTP 401). Only the current
   * token can be invalidated: a late 401 for a token that was already replaced changes nothing,
   * so it never causes a second refresh. A token obtained because its predecessor was invalidated
   * is not invalidated again within `rejectionCooldown` (an `invalidation_ignored` event says so):
   * an API that rejects every new token must not cost one refresh per request.
   *
   * @returns whether `accessToken` was the current token and is now stale.
   */
  invalidate(accessToken: string): boolean {
    if (this.#current?.accessToken !== accessToken || this.#freshUntil === NEVER) {
      return false;
    }
    const until = this.#ignoreInvalidationUntil;
    // Within the cooldown only: a clock stepped back (NTP) must not stretch it to the size of the step.
    const left = until - this.#clock();
    if (left > 0 && left <= this.#rejectionCooldown) {
      this.#emit({ type: 'invalidation_ignored', reason: 'cooldown', until });
      return false;
    }
    this.#freshUntil = NEVER;
    this.#emit({ type: 'invalidated' });
    return true;
  }

  /**
   * Removes the tokens from memory and storage (sign-out). Once it resolves, storage is empty and
   * stays empty: a refresh in flight, or a write of its result still pending, does not store it.
   * A `storage.remove` that fails is a `storage_error` event (`operation: 'remove'`), not a
   * rejection: storage may then still hold the set, which this manager never serves or refreshes
   * again. The removal runs again before this manager's next storage call and at `dispose()`, until it
   * succeeds or a new set is stored; a new manager on that storage (a reload) that starts before
   * then loads the set.
   *
   * @throws {DisposedError} `dispose()` came while its `storage.remove` was running (decision 0007):
   *   the set is forgotten in memory all the same, and `dispose()` runs that removal again if it then
   *   fails. Nothing else: a `clear()` queued or called after `dispose()` runs under the timeout only
   *   and resolves, and storage failures and timeouts are `storage_error` events.
   */
  async clear(): Promise<void> {
    await this.#remove('clear');
  }

  /** Listens to every `TokenEvent`. Returns the function that stops listening. */
  subscribe(listener: TokenEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Stops the background timer and storage subscription, drops listeners and rejects waiting
   * callers with `DisposedError`. Idempotent. A removal that failed runs again; one still running (a
   * `clear()` just before), again if it fails; the listeners hear how that ends (`storage_error`), then go.
   */
  dispose(): void {
    if (this.#disposal.signal.aborted) return;
    this.#disposal.abort(new DisposedError());
    (this.#removeAgain() ?? this.#removing.then(asIs, () => this.#removeAgain())).finally(() =>
      this.#listeners.clear(),
    );
    this.#freshUntil = NEVER;
    this.#epochEnd.abort();
    // Each is released whatever another throws (a storage whose unsubscribe throws); dispose() never throws.
    for (const release of [() => this.#background?.stop(), this.#stopWatchingStorage]) {
      try {
        release();
      } catch (error) {
        console.error('[tessera] dispose(): a release threw', error);
      }
    }
  }

  /**
   * Joins the refresh in flight or starts one. `#inFlight` is cleared in its own `finally`, or at a
   * clear (`#forget`). `ending`: the epoch of a flight that ends by handing over to a refresh of the set that
   * replaced its own; it does not join itself, and passes on its `Waits`. `held`: how many callers
   * wait for it (the background timer is no caller; one without a signal counts as `Infinity`), so
   * its retry waits keep a Node process alive; a caller joining holds the flight.
   */
  #refresh(reason: RefreshReason, held: number, ending?: number, passed?: Waits): Promise<TokenSet> {
    if (this.#inFlight && this.#flightEpoch !== ending) {
      // Callers handed over from another refresh: when they abort, they stop holding this one too.
      if (passed) passed.next = this.#waits;
      hold(this.#waits, held);
      return this.#inFlight;
    }
    const waits: Waits = passed ?? { held };
    this.#waits = waits;
    const flight: Promise<TokenSet> = this.#runRefresh(reason, waits).finally(() => {
      if (this.#inFlight === flight) this.#inFlight = undefined;
    });
    this.#inFlight = flight;
    this.#flightEpoch = this.#epoch;
    // Callers that aborted no longer listen; the outcome is reported through events, never as an unhandled rejection.
    flight.catch(asIs);
    return flight;
  }

  async #runRefresh(reason: RefreshReason, waits: Waits): Promise<TokenSet> {
    const epoch = this.#epoch;
    const disposal = this.#disposal.signal;
    try {
      // The critical section (under `lock` when there is one): re-read storage, adopt a set another
      // tab or replica stored meanwhile, else request a new one and store it.
      const task = async (): Promise<Outcome> => {
        // Replaced while waiting for the lock (another tab's set, heard by storage event or broadcast, or
        // `setTokens()`): nothing requested yet, so this refresh hands over at once (decisions 0603, 0001):
        // the new set is used as it is while fresh, and a due one is refreshed once, by its own refresh.
        if (epoch !== this.#epoch && this.#current) return [this.#current, true];
        const stored = await this.#read();
        if (epoch !== this.#epoch) {
          // Signed out here or in another tab (heard while waiting or reading): its refresh token is not spent.
          if (!this.#current) throw clearedDuringRefresh();
          return [this.#current, true];
        }
        let base = this.#current;
        // Storage holds our set: the token this refresh rotates away is the one a stale stored set would carry.
        if (stored) {
          if (same(stored, base)) this.#inStep = true;
          else if (!this.#older(stored)) {
            if (this.#clock() < this.#refreshAtOf(stored)) return [stored, true];
            base = stored; // carries the newest (possibly rotated) refresh token
          }
        }
        const spent = base?.refreshToken;
        let result: Outcome;
        let failure: unknown;
        try {
          // Requested with retries. A timed-out attempt that carried a refresh token is retried only
          // with `retryTimeouts`, and then only after re-reading storage: a set stored meanwhile is
          // adopted, a newer refresh token is used instead (decision 0015).
          let refreshToken = spent;
          // The manager knows no endpoint: core's exchange names it on timeout (`timeout-answer.ts`),
          // `requestToken` on the response it returns (`response-where.ts`).
          const where = 'fetchTokens';
          // Whether the last attempt timed out: set where a failure is judged, before any next attempt.
          let timedOut = false;
          const ended = this.#epochEnd.signal;
          result = await runWithRetry<Outcome>(
            async (attempt) => {
              if (timedOut) {
                const newer = await this.#newerStored(refreshToken);
                // A sign-out or a new set while storage was read ends this loop: nothing more is sent.
                ended.throwIfAborted();
                if (newer && this.#clock() < this.#refreshAtOf(newer)) return [newer, true];
                refreshToken = newer?.refreshToken ?? refreshToken;
              }
              // A clock that turned bad since construction: a TypeError, no request (decision 0008).
              const sentAt = timeOf(this.#clock, 'token request');
              const response = await withTimeout(
                (signal) =>
                  this.#fetchTokens({
                    refreshToken,
                    signal,
                    reason,
                    attempt,
                    senderConstraint: this.#senderConstraint,
                  }),
                disposal,
                asIs,
                this.#timeout,
                () => new TimeoutError(this.#timeout, where),
              );
              let tokens: TokenSet;
              try {
                tokens = toTokenSet(
                  response,
                  sentAt,
                  places.get(response as object) ?? where,
                  this.#tokenTypes,
                );
              } catch (error) {
                // Refused here as `requestToken` refuses: its refresh token is kept all the same (below).
                refusedBodies.set(error as object, response);
                throw error;
              }
              // Rotation: a response without a refresh token keeps the old one.
              return [tokens.refreshToken || !refreshToken ? tokens : { ...tokens, refreshToken }];
            },
            this.#retry,
            (error, attempt, delay) => this.#emit({ type: 'retrying', error, attempt, delay }),
            ended,
            // Judged (before any wait or next attempt) with the refresh token the attempt carried. One
            // that timed out carrying a refresh token is final without `retryTimeouts` (decision 0015).
            (error) => {
              timedOut = isTesseraError(error, 'TIMEOUT');
              return !(timedOut && refreshToken && !this.#retryTimeouts) && isTransient(error);
            },
            waits,
            this.#clock,
          );
          if (result[1]) return result;
        } catch (error) {
          // Another manager on this storage, without a lock, may have spent the refresh token first
          // and stored its new set: adopt that set rather than end the session (decision 0012).
          const newer = isOAuthError(error, 'invalid_grant') ? await this.#newerStored(spent) : undefined;
          if (newer) return [newer, true];
          // A refused 2xx (by `requestToken` or `toTokenSet` above) that rotated the refresh token: `spent` is spent
          // at the server. The caller gets the error; `base` is kept with the new refresh token (decision 0013),
          // in either spelling `toTokenSet` reads (a custom `fetchTokens` may answer a `TokenSet`).
          const refused = refusedBodies.get(error as object) as TokenResponse & TokenSet;
          const rotated = refused?.refresh_token ?? refused?.refreshToken;
          if (!base || typeof rotated !== 'string' || !rotated) throw error;
          result = [{ ...base, refreshToken: rotated }];
          failure = error;
        }
        // Another tab may have signed out (and in again) meanwhile, unheard of yet (decisions 0604, 0606).
        const overtaking = await this.#write(result[0], epoch, base);
        if (result[0].refreshToken !== spent) this.#spend(spent);
        if (overtaking !== undefined) this.#onExternalChange(overtaking);
        if (!failure) return result;
        if (epoch === this.#epoch) {
          // As stale as `base` was: an invalidated access token is not served again.
          const fresh = this.#freshUntil;
          this.#adopt(result[0]);
          this.#freshUntil = Math.min(fresh, this.#freshUntil);
        }
        throw failure;
      };
      // `dispose()` rejects the waiters at once: while the lock is awaited (its wait timer is cleared
      // through `signal`) and while the new set is still being written.
      const [tokens, adopted] = await withTimeout(
        () =>
          this.#lock
            ? this.#lock.run(`tessera:${this.#key}`, task, {
                // The holder also reads and writes storage, each up to `timeout` (decision 0014).
                maxWait: worstCaseRefresh(this.#timeout, this.#retry) + 2 * this.#timeout + 1_000,
                signal: disposal,
              })
            : task(),
        disposal,
        asIs,
      );
      disposal.throwIfAborted();
      if (epoch === this.#epoch) {
        this.#adopt(tokens, adopted ? undefined : reason);
        this.#emit(adopted ? { type: 'synced', tokens } : { type: 'refreshed', tokens, reason });
        return tokens;
      }
      if (!this.#current) throw clearedDuringRefresh();
    } catch (caught) {
      disposal.throwIfAborted();
      // The failure of a set that `setTokens()` or another tab replaced meanwhile is not the new set's.
      if (epoch === this.#epoch || !this.#current) {
        // A `LoginRequiredError` (of any copy of core) after the server ended the session says so, with that refusal as `cause`.
        const end = this.#sessionEnd;
        const error =
          isTesseraError(caught, 'LOGIN_REQUIRED') && end && caught.cause === undefined
            ? new LoginRequiredError(`${caught.message}. The session ended earlier: ${end.message}`, {
                cause: end,
              })
            : caught;
        this.#emit({ type: 'refresh_failed', error, reason });
        if (isOAuthError(error, 'invalid_grant') && epoch === this.#epoch) {
          await this.#remove('session_expired', error);
          this.#emit({ type: 'session_expired', error });
        }
        throw error;
      }
    }
    // The set that the one this refresh started from was replaced with (`setTokens()`, another tab):
    // as it is while fresh, else (due, or invalidated) one refresh of it, started now that this one's
    // request is over, so two token requests never overlap; the callers of both join it (decision 0001).
    return this.#clock() < this.#freshUntil
      ? (this.#current as TokenSet)
      : this.#refresh(reason, waits.held, epoch, waits);
  }

  /** The stored set, when it carries another refresh token than `refreshToken`. */
  async #newerStored(refreshToken: string | undefined): Promise<TokenSet | undefined> {
    const stored = await this.#read();
    return stored?.refreshToken && stored.refreshToken !== refreshToken && !this.#older(stored)
      ? stored
      : undefined;
  }

  /** Whether `stored` carries a refresh token our refreshes rotated away, or is a set we cleared: older than ours. */
  #older(stored: TokenSet): boolean {
    const spent = this.#spent;
    return spent.includes(stored.refreshToken as string) || spent.includes(stored.accessToken);
  }

  /** Remembers `token` as spent; when full, the first stays and the oldest of the others goes (decision 0007). */
  #spend(token: string | undefined): void {
    if (!token) return;
    const spent = this.#spent;
    if (this.#inStep) spent.unshift(token);
    else spent.push(token);
    this.#inStep = false;
    // At most 8 (decision 0007).
    if (spent.length > 8) spent.splice(1, 1);
  }

  #load(): Promise<void> {
    // `dispose()` rejects the callers waiting on the first read at once, as it does lock and write waiters.
    this.#loading ??= withTimeout(
      () =>
        this.#read().then((stored) => {
          // `setTokens` or another tab may have delivered a newer set while storage was being read.
          if (!this.#loaded && stored) this.#adopt(stored);
          this.#loaded = true;
          this.#emit({ type: 'loaded', tokens: this.#current });
        }),
      this.#disposal.signal,
      asIs,
    );
    return this.#loading;
  }

  /**
   * Makes `tokens` current. `requested` is the reason of the token request that brought it, if this
   * manager requested it: such a set is reused for at least a floor (1 s doubling to 5 min while
   * sets keep arriving already due), so expired-on-arrival tokens cannot cost a request per call.
   */
  #adopt(tokens: TokenSet, requested?: RefreshReason): void {
    const now = this.#clock();
    let refreshAt = this.#refreshAtOf(tokens);
    if (requested) {
      if (refreshAt - now < this.#reuseFloor) {
        refreshAt = now + this.#reuseFloor;
        // Up to 5 min, one literal: `5 * 60_000` is left in the built file as an expression bundlers keep.
        this.#reuseFloor = Math.min(this.#reuseFloor * 2, 300_000);
      } else {
        this.#reuseFloor = MIN_REUSE;
      }
    }
    this.#ignoreInvalidationUntil = requested === 'invalidated' ? now + this.#rejectionCooldown : NEVER;
    // Frozen once, here, where every set passes: what callers and listeners get is what is sent and stored,
    // never changed in place by one of them (decision 0007). Always a set this manager made, never the caller's.
    this.#current = Object.freeze(tokens);
    this.#resolvedToken = undefined;
    this.#sessionEnd = undefined;
    // Disposed (a first read that lands after `dispose()`): `#freshUntil` stays `NEVER`.
    if (!this.#disposal.signal.aborted) {
      this.#freshUntil = refreshAt;
      this.#background?.schedule(refreshAt, now);
    }
  }

  /** Expiry minus the refresh margin, the margin capped at half the token's known lifetime. */
  #refreshAtOf(tokens: TokenSet): number {
    const { expiresAt, issuedAt } = tokens;
    // Without `issuedAt` the lifetime is unknown: `Infinity`, the whole margin.
    return expiresAt === undefined
      ? Infinity
      : expiresAt - Math.min(this.#refreshMargin, Math.max(0, (expiresAt - (issuedAt ?? NEVER)) / 2));
  }

  /**
   * `end`: the refusal that ended the session, kept from the start, so a set stored meanwhile (a
   * `cleared` listener calling `setTokens()`) replaces it rather than being explained by it.
   */
  async #remove(reason: 'clear' | 'session_expired', end?: TesseraError): Promise<void> {
    const epoch = this.#nextEpoch();
    const current = this.#current;
    this.#cleared = current ?? this.#cleared;
    this.#forget();
    this.#sessionEnd = end;
    // Still stored if the removal failed, or back later (a late write, a restore): never adopted again (decision 0007).
    this.#spend(current?.accessToken);
    await this.#removal(epoch);
    if (current || reason === 'clear') this.#emit({ type: 'cleared', reason });
  }

  /**
   * The set is replaced or removed from outside a refresh. A refresh of the old set stores nothing
   * and stops retrying; its callers get the new set, or `LoginRequiredError` when there is none.
   */
  #nextEpoch(): number {
    this.#loaded = true;
    this.#epochEnd.abort(clearedDuringRefresh());
    this.#epochEnd = new AbortController();
    return ++this.#epoch;
  }

  /** Removes the stored set of `epoch`; if that fails, it runs again while `epoch` lasts (`#removeAgain`). */
  async #removal(epoch: number): Promise<void> {
    this.#unremoved = NEVER;
    const removed = await this.#serially('remove', async () => {
      // Marked when the call fails, also after `dispose()` cut it short: `dispose()` then runs it again.
      this.#removing = this.#store(epoch).catch((error) => {
        this.#unremoved = epoch;
        throw error;
      });
      await this.#removing;
      return true;
    });
    if (!removed) this.#unremoved = epoch;
  }

  /** Queues the removal that failed again, unless a new set ended its epoch. */
  #removeAgain(): Promise<unknown> | undefined {
    if (this.#unremoved === this.#epoch) return this.#removal(this.#epoch).catch(asIs);
  }

  #forget(): void {
    this.#inFlight = undefined;
    this.#current = undefined;
    this.#resolvedToken = undefined;
    // `#ignoreInvalidationUntil` is left: `invalidate()` reads it only once a set is adopted, which sets it.
    this.#freshUntil = NEVER;
    this.#background?.stop();
  }

  /**
   * Runs a storage operation after every one queued before it, whatever their outcome. A failure
   * is reported as `storage_error` and resolves `undefined`: unreadable or malformed data counts as empty.
   * One that outlasts `timeout` fails so, with a `TimeoutError`, and the queue moves on; `dispose()`
   * rejects the one running with `DisposedError` (decision 0007). A storage that never settles cannot
   * hold the manager.
   */
  #serially<T>(operation: 'get' | 'set' | 'remove', run: () => T | Promise<T>): Promise<T | undefined> {
    this.#removeAgain();
    const disposal = this.#disposal.signal;
    const timeout = this.#timeout;
    const done = this.#storageQueue
      .then(() =>
        withTimeout(
          async () => run(),
          // Started after `dispose()` (a `clear()` when tearing down): it still runs, under the timeout only.
          disposal.aborted ? undefined : disposal,
          asIs,
          timeout,
          () => new TimeoutError(timeout, 'storage', `Token storage ${operation}()`),
        ),
      )
      .catch((error: unknown) => {
        if (error instanceof DisposedError) throw error;
        this.#storageError(operation, error);
        return undefined;
      });
    this.#storageQueue = done.catch(asIs);
    return done;
  }

  /**
   * Reports a storage failure. An error of the app's storage that quotes the set it was handed (or holds, or
   * the one `clear()` removed, or the one storage last handed it) is copied with this manager's tokens
   * redacted (`redactedError`), as a token endpoint's echo is.
   */
  #storageError(operation: 'get' | 'set' | 'remove', error: unknown): void {
    const redact = redactor(
      [this.#current, this.#written, this.#cleared, this.#seen].flatMap((set) => [
        set?.accessToken,
        set?.refreshToken,
        set?.idToken,
      ]),
    );
    this.#emit({ type: 'storage_error', operation, error: redactedError(error, redact) });
  }

  #read(): Promise<TokenSet | undefined> {
    return this.#serially('get', async () => {
      // Started: a change heard from now on needs a read of its own (`#onExternalChange`).
      this.#reread = undefined;
      return this.#parse(await this.#storage.get());
    });
  }

  /**
   * Stores `tokens` unless the set was replaced or removed since `epoch` — checked when the write
   * starts. With `crossTab`, a refresh's result replaces only `base`, the set it was requested with:
   * in the same queued operation storage is re-read, and if another tab removed the set (`null`) or
   * stored another one, that is returned and nothing is written (decision 0606). Not for other
   * storages: a Redis entry expires with its token, and a failed read there is empty too.
   */
  async #write(tokens: TokenSet, epoch: number, base?: TokenSet): Promise<TokenSet | null | undefined> {
    return this.#serially('set', async () => {
      if (epoch !== this.#epoch) return undefined;
      // What storage holds instead of `base`: `null` when empty, `undefined` when `base` or unreadable (not a sign-out).
      let overtaking: TokenSet | null | undefined;
      if (base && this.#sharedWithTabs) {
        let stored: TokenSet | undefined = base;
        try {
          stored = this.#parse(await this.#storage.get());
        } catch (error) {
          this.#storageError('get', error);
        }
        overtaking = !stored ? null : same(stored, base) || this.#older(stored) ? undefined : stored;
      }
      // Checked again: a read that outlasted `timeout` must not start a write after a later clear().
      if (overtaking === undefined && epoch === this.#epoch) await this.#store(epoch, tokens);
      return overtaking;
    });
  }

  /**
   * Stores `tokens` of `epoch`, or removes the set when there are none. One cut short by `timeout`
   * or `dispose()` still runs underneath; if it lands after a later write or remove started (or,
   * with `crossTab`, another tab's change was heard), that later one runs again (queued, and only
   * while its epoch lasts), so storage ends with the newest (decision 0007).
   */
  async #store(epoch: number, tokens?: TokenSet): Promise<void> {
    const again = this.#again(epoch, tokens);
    this.#lastWrite = again;
    this.#written = tokens;
    try {
      // A copy: a storage that edits what it is handed (strips the refresh token, encrypts in place) edits its own.
      await (tokens ? this.#storage.set({ ...tokens }) : this.#storage.remove());
    } finally {
      if (this.#lastWrite !== again) this.#lastWrite?.().catch(asIs);
    }
  }

  /** Runs `#store(epoch, tokens)` again, queued, while that epoch lasts. */
  #again(epoch: number, tokens?: TokenSet): () => Promise<unknown> {
    return () =>
      this.#serially<unknown>(
        tokens ? 'set' : 'remove',
        () => epoch === this.#epoch && this.#store(epoch, tokens),
      );
  }

  /**
   * A stored OAuth response's `expires_in` counts from an unknown moment: from epoch 0, so the set
   * is due and only its refresh token is used (decision 0025).
   */
  #parse(value: unknown): TokenSet | undefined {
    if (value === undefined || value === null) return undefined;
    this.#seen = toTokenSet(value, 0, 'storage', this.#tokenTypes);
    return this.#seen;
  }

  /** Another tab or replica changed the stored set. */
  #onExternalChange(value: unknown): void {
    // A subscription the storage failed to end at `dispose()` still delivers: a disposed manager ignores it.
    if (this.#disposal.signal.aborted) return;
    let tokens: TokenSet | undefined;
    try {
      tokens = this.#parse(value);
    } catch (error) {
      this.#storageError('get', error);
      return;
    }
    const current = this.#current;
    // An older set back in storage (a lagging replica, a restored snapshot, a late write) is not adopted.
    // Our own write heard back (a storage that tells every subscriber, the writer too) is not another's.
    if (same(tokens, current) || (tokens && (same(tokens, this.#written) || this.#older(tokens)))) return;
    // The set it replaces is never adopted again: by its refresh token (when rotated), or at a sign-out by its
    // access token. Once storage is read without it: a change heard late, after this manager read a later set
    // (a removal before a sign-in, a set before its refresh), is no sign that set was left behind.
    const left = tokens ? current?.refreshToken : current?.accessToken;
    // One read for every change heard before it starts: a storm of changes costs a read in flight and one after it.
    if (current && left !== tokens?.refreshToken) {
      this.#reread ??= this.#read();
      this.#reread.then((stored) => same(stored, current) || this.#spend(left), asIs);
    }
    const epoch = this.#nextEpoch();
    // With `crossTab`: a write of ours still pending may land after this change, over it; the change
    // is then written again, as a later write of ours would be (decision 0007, late writes).
    if (this.#sharedWithTabs) this.#lastWrite = this.#again(epoch, tokens);
    if (tokens) {
      this.#adopt(tokens);
      this.#emit({ type: 'synced', tokens });
    } else {
      this.#forget();
      this.#emit({ type: 'cleared', reason: 'external' });
    }
  }

  /** Calls the listeners subscribed when the event fired that are still subscribed: one re-subscribing itself runs once. */
  #emit(event: TokenEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        if (this.#listeners.has(listener)) listener(event);
      } catch (error) {
        console.error(`[tessera] a "${event.type}" event listener threw; other listeners still ran.`, error);
      }
    }
  }
}
