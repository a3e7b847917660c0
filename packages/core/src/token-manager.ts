import type { Clock } from './clock.js';
import type { DisposableWhereKnown } from './disposable-where-known.js';
import { AbortError } from './errors/abort-error.js';
import { DisposedError } from './errors/disposed-error.js';
import { isOAuthError } from './errors/guards.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import type { TesseraError } from './errors/tessera-error.js';
import type { RefreshReason, TokenEvent, TokenEventListener } from './events.js';
import { abortable } from './internal/abortable.js';
import { BackgroundRefresh } from './internal/background-refresh.js';
import { runWithRetry } from './internal/retry-policy.js';
import { withTimeout } from './internal/with-timeout.js';
import type { RefreshLock } from './refresh-lock.js';
import { defaultRetryOptions, type RetryOptions } from './retry-options.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { type FetchTokens, type TokenManagerOptions, tokenManagerDefaults } from './token-manager-options.js';
import { type TokenResponse, type TokenSet, toTokenSet } from './token-set.js';

/** Options of `getAccessToken` and `getTokens`. */
export interface GetTokenOptions {
  /**
   * Obtain a new token set even if the current one is valid. Joins a refresh already in flight.
   * @default false
   */
  forceRefresh?: boolean;
  /** Rejects this caller only, with `AbortError`; a shared token request goes on for the others. */
  signal?: AbortSignal;
}

export interface TokenManager extends DisposableWhereKnown {}

/**
 * Obtains, caches and refreshes one token set. However many callers ask at once, at most one token
 * request is in flight; every caller gets its result.
 *
 * @example
 * const tokens = new TokenManager({ fetchTokens: refreshTokenGrant({ tokenUrl, clientId }) });
 * await tokens.setTokens(await passwordGrant({ tokenUrl, clientId }, { username, password }));
 * const accessToken = await tokens.getAccessToken();
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the class implements it in its static block.
export class TokenManager {
  readonly #fetchTokens: FetchTokens;
  readonly #storage: TokenStorage;
  readonly #refreshMargin: number;
  readonly #retry: Required<RetryOptions> | false;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #lock: RefreshLock | undefined;
  readonly #key: string;
  readonly #listeners = new Set<TokenEventListener>();
  readonly #disposal = new AbortController();
  readonly #stopWatchingStorage: () => void;

  #current: TokenSet | undefined;
  /** Epoch ms from which `#current` counts as expired (expiry minus the refresh margin). */
  #refreshAt = Number.POSITIVE_INFINITY;
  #stale = false;
  #loaded = false;
  #loading: Promise<void> | undefined;
  #inFlight: Promise<TokenSet> | undefined;
  /** The refusal (`invalid_grant`) that ended the session, until a new set arrives or `clear()` runs. */
  #sessionEnd: TesseraError | undefined;
  /** Bumped whenever the set is replaced or removed from outside a refresh; a refresh started in an older epoch does not store its result. */
  #epoch = 0;
  /** Only with `refreshInBackground`. */
  readonly #background: BackgroundRefresh | undefined;

  constructor(options: TokenManagerOptions) {
    this.#fetchTokens = options.fetchTokens;
    const storage = options.storage ?? memoryStorage();
    this.#storage = options.crossTab ? options.crossTab.wrapStorage(storage) : storage;
    this.#refreshMargin = options.refreshMargin ?? tokenManagerDefaults.refreshMargin;
    this.#retry = options.retry === false ? false : { ...defaultRetryOptions, ...options.retry };
    this.#timeout = options.timeout ?? tokenManagerDefaults.timeout;
    this.#clock = options.clock ?? tokenManagerDefaults.clock;
    this.#lock = options.lock ?? options.crossTab?.lock;
    this.#key = options.key ?? tokenManagerDefaults.key;
    this.#background =
      (options.refreshInBackground ?? tokenManagerDefaults.refreshInBackground)
        ? new BackgroundRefresh(() => this.#onBackgroundDue())
        : undefined;
    this.#stopWatchingStorage =
      this.#storage.subscribe?.((value) => this.#onExternalChange(value)) ?? (() => {});
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
   */
  getAccessToken(options?: GetTokenOptions): Promise<string> {
    const current = this.#current;
    if (
      current &&
      !options?.forceRefresh &&
      !options?.signal?.aborted &&
      !this.#disposal.signal.aborted &&
      this.#isFresh()
    ) {
      return Promise.resolve(current.accessToken);
    }
    return this.getTokens(options).then((tokens) => tokens.accessToken);
  }

  /** The whole valid `TokenSet`; same rules as `getAccessToken`. */
  async getTokens(options: GetTokenOptions = {}): Promise<TokenSet> {
    const { signal, forceRefresh = false } = options;
    if (this.#disposal.signal.aborted) throw new DisposedError();
    if (signal?.aborted) throw new AbortError(signal.reason);
    if (!this.#loaded) await abortable(this.#load(), signal);
    const current = this.#current;
    if (current && !forceRefresh && this.#isFresh()) return current;
    return abortable(this.#refresh(this.#reasonFor(forceRefresh)), signal);
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
    if (this.#disposal.signal.aborted) throw new DisposedError();
    if (!this.#loaded) await this.#load();
    return this.#current;
  }

  /**
   * Stores a token set obtained elsewhere, e.g. by `passwordGrant` or an authorization-code flow.
   * Accepts an OAuth2 token response or a `TokenSet`.
   *
   * @throws {MalformedResponseError} `tokens` has no usable `access_token`.
   */
  async setTokens(tokens: TokenResponse | TokenSet): Promise<TokenSet> {
    const set = toTokenSet(tokens, this.#clock(), 'setTokens');
    this.#epoch += 1;
    this.#loaded = true;
    this.#adopt(set);
    await this.#write(set);
    this.#emit({ type: 'tokens_set', tokens: set });
    return set;
  }

  /**
   * Marks `accessToken` stale because a resource server rejected it (HTTP 401). Only the current
   * token can be invalidated: a late 401 for a token that was already replaced changes nothing,
   * so it never causes a second refresh.
   *
   * @returns whether `accessToken` was the current token.
   */
  invalidate(accessToken: string): boolean {
    if (this.#current?.accessToken !== accessToken || this.#stale) return false;
    this.#stale = true;
    this.#emit({ type: 'invalidated' });
    return true;
  }

  /** Removes the tokens from memory and storage (sign-out). A refresh in flight does not store its result. */
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
   * callers with `DisposedError`. Idempotent.
   */
  dispose(): void {
    if (this.#disposal.signal.aborted) return;
    this.#disposal.abort(new DisposedError());
    this.#background?.stop();
    this.#stopWatchingStorage();
    this.#listeners.clear();
  }

  static {
    // `using tokens = new TokenManager(…)`. Not a `[Symbol.dispose]()` method: its published type would
    // need lib esnext.disposable; the type comes from `DisposableWhereKnown` above (docs/decisions/0020).
    if (typeof Symbol.dispose === 'symbol') {
      Object.defineProperty(TokenManager.prototype, Symbol.dispose, {
        value(this: TokenManager): void {
          this.dispose();
        },
        writable: true,
        configurable: true,
      });
    }
  }

  #isFresh(): boolean {
    return !this.#stale && this.#clock() < this.#refreshAt;
  }

  #reasonFor(forceRefresh: boolean): RefreshReason {
    if (forceRefresh) return 'forced';
    if (!this.#current) return 'initial';
    return this.#stale ? 'invalidated' : 'expired';
  }

  /** Joins the refresh in flight or starts one. Only this function clears `#inFlight`, in its own `finally`. */
  #refresh(reason: RefreshReason): Promise<TokenSet> {
    if (this.#inFlight) return this.#inFlight;
    let flight: Promise<TokenSet> | undefined;
    flight = (async () => {
      try {
        return await this.#runRefresh(reason);
      } finally {
        if (this.#inFlight === flight) this.#inFlight = undefined;
      }
    })();
    this.#inFlight = flight;
    // Callers that aborted no longer listen; the outcome is reported through events, never as an unhandled rejection.
    flight.catch(() => {});
    return flight;
  }

  async #runRefresh(reason: RefreshReason): Promise<TokenSet> {
    const epoch = this.#epoch;
    try {
      const task = () => this.#refreshExclusively(epoch, reason);
      const { tokens, adopted } = this.#lock
        ? await this.#lock.run(`tessera:${this.#key}`, task)
        : await task();
      if (epoch !== this.#epoch) return this.#afterConcurrentChange();
      this.#adopt(tokens);
      this.#emit(adopted ? { type: 'synced', tokens } : { type: 'refreshed', tokens, reason });
      return tokens;
    } catch (caught) {
      if (this.#disposal.signal.aborted) throw new DisposedError();
      const error = this.#explain(caught);
      this.#emit({ type: 'refresh_failed', error, reason });
      if (isOAuthError(error, 'invalid_grant') && epoch === this.#epoch) {
        await this.#remove('session_expired');
        this.#sessionEnd = error;
        this.#emit({ type: 'session_expired', error });
      }
      throw error;
    }
  }

  /**
   * The critical section (under `lock` when there is one): re-read storage, adopt a set another
   * tab or replica stored meanwhile, else request a new one and store it.
   */
  async #refreshExclusively(
    epoch: number,
    reason: RefreshReason,
  ): Promise<{ tokens: TokenSet; adopted: boolean }> {
    let base = this.#current;
    // A set adopted from another tab (storage event, broadcast) while waiting for the lock needs no request.
    if (base && epoch !== this.#epoch && this.#isFresh()) return { tokens: base, adopted: true };
    const stored = await this.#read();
    if (stored && stored.accessToken !== base?.accessToken) {
      if (this.#clock() < this.#refreshAtOf(stored)) return { tokens: stored, adopted: true };
      base = stored; // carries the newest (possibly rotated) refresh token
    }
    const tokens = await this.#request(base?.refreshToken, reason);
    if (epoch === this.#epoch) await this.#write(tokens);
    return { tokens, adopted: false };
  }

  /** A `LoginRequiredError` after the server ended the session says so, with that refusal as `cause`. */
  #explain(error: unknown): unknown {
    const ended = this.#sessionEnd;
    if (!(error instanceof LoginRequiredError) || !ended || error.cause !== undefined) return error;
    return new LoginRequiredError(`${error.message}. The session ended earlier: ${ended.message}`, {
      cause: ended,
    });
  }

  /** A refresh finished after `clear()`, `setTokens()` or an external change replaced the set. */
  #afterConcurrentChange(): TokenSet {
    if (this.#current && this.#isFresh()) return this.#current;
    throw new LoginRequiredError(
      'The tokens were cleared while a refresh was in flight: the user must sign in',
    );
  }

  #request(refreshToken: string | undefined, reason: RefreshReason): Promise<TokenSet> {
    const where = `token request for "${this.#key}"`;
    return runWithRetry(
      async (attempt) => {
        const sentAt = this.#clock();
        const response = await withTimeout(
          (signal) => this.#fetchTokens({ refreshToken, signal, reason, attempt }),
          this.#timeout,
          where,
          this.#disposal.signal,
        );
        const tokens = toTokenSet(response, sentAt, where);
        // Rotation: a response without a refresh token keeps the old one.
        return tokens.refreshToken || !refreshToken ? tokens : { ...tokens, refreshToken };
      },
      this.#retry,
      (error, attempt, delay) => this.#emit({ type: 'retrying', error, attempt, delay }),
      this.#disposal.signal,
    );
  }

  #load(): Promise<void> {
    this.#loading ??= this.#read().then((stored) => {
      // `setTokens` or another tab may have delivered a newer set while storage was being read.
      if (!this.#loaded && stored) this.#adopt(stored);
      this.#loaded = true;
      this.#emit({ type: 'loaded', tokens: this.#current });
    });
    return this.#loading;
  }

  #adopt(tokens: TokenSet): void {
    this.#current = tokens;
    this.#sessionEnd = undefined;
    this.#stale = false;
    this.#refreshAt = this.#refreshAtOf(tokens);
    this.#scheduleBackgroundRefresh();
  }

  /** Expiry minus the refresh margin, the margin capped at half the token's known lifetime. */
  #refreshAtOf(tokens: TokenSet): number {
    const { expiresAt, issuedAt } = tokens;
    if (expiresAt === undefined) return Number.POSITIVE_INFINITY;
    const lifetime = issuedAt === undefined ? Number.POSITIVE_INFINITY : expiresAt - issuedAt;
    return expiresAt - Math.min(this.#refreshMargin, Math.max(0, lifetime / 2));
  }

  #scheduleBackgroundRefresh(): void {
    if (!this.#disposal.signal.aborted) this.#background?.schedule(this.#refreshAt, this.#clock());
  }

  #onBackgroundDue(): void {
    if (this.#isFresh()) {
      this.#scheduleBackgroundRefresh();
      return;
    }
    // A failed background refresh tries again later (the floor keeps growing) while the set is kept.
    this.#refresh('background').catch(() => {
      if (this.#current && !this.#background?.scheduled) this.#scheduleBackgroundRefresh();
    });
  }

  async #remove(reason: 'clear' | 'session_expired'): Promise<void> {
    this.#epoch += 1;
    this.#loaded = true;
    const hadTokens = this.#current !== undefined;
    this.#forget();
    this.#sessionEnd = undefined;
    try {
      await this.#storage.remove();
    } catch (error) {
      this.#emit({ type: 'storage_error', operation: 'remove', error });
    }
    if (hadTokens || reason === 'clear') this.#emit({ type: 'cleared', reason });
  }

  #forget(): void {
    this.#current = undefined;
    this.#stale = false;
    this.#refreshAt = Number.POSITIVE_INFINITY;
    this.#background?.stop();
  }

  /** Reads storage; unreadable or malformed data counts as empty and is reported as `storage_error`. */
  async #read(): Promise<TokenSet | undefined> {
    try {
      const raw = await this.#storage.get();
      return raw === undefined || raw === null ? undefined : toTokenSet(raw, this.#clock(), 'storage');
    } catch (error) {
      this.#emit({ type: 'storage_error', operation: 'get', error });
      return undefined;
    }
  }

  async #write(tokens: TokenSet): Promise<void> {
    try {
      await this.#storage.set(tokens);
    } catch (error) {
      this.#emit({ type: 'storage_error', operation: 'set', error });
    }
  }

  /** Another tab or replica changed the stored set. */
  #onExternalChange(value: unknown): void {
    let tokens: TokenSet | undefined;
    try {
      tokens =
        value === undefined || value === null ? undefined : toTokenSet(value, this.#clock(), 'storage');
    } catch (error) {
      this.#emit({ type: 'storage_error', operation: 'get', error });
      return;
    }
    if (tokens?.accessToken === this.#current?.accessToken) return;
    this.#epoch += 1;
    this.#loaded = true;
    if (tokens) {
      this.#adopt(tokens);
      this.#emit({ type: 'synced', tokens });
    } else {
      this.#forget();
      this.#emit({ type: 'cleared', reason: 'external' });
    }
  }

  #emit(event: TokenEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error(`[tessera] a "${event.type}" event listener threw; other listeners still ran.`, error);
      }
    }
  }
}
