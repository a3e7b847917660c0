import { createHash } from 'node:crypto';
import {
  assertKnownOptions,
  backgroundRefresh,
  type CanonicalTarget,
  type DisposableWhereKnown,
  DisposedError,
  disposeWhereKnown,
  type GetTokenOptions,
  memoryStorage,
  type TokenEventListener,
  type TokenManager,
  type TokenManagerOptions,
  tokenTargetKey,
} from '@tessera/core';
import {
  type ClientCredentialsOptions,
  TOKEN_TARGET_KEYS,
  type TokenTarget,
} from './client-credentials-options.js';
import { clientCredentialsRequest } from './client-credentials-request.js';
import { type ClientConfig, resolveOptions } from './resolve-options.js';
import { TargetTokenManager } from './target-token-manager.js';
import { TokenEndpointResolver } from './token-endpoint-resolver.js';
import { assertTargetTypes, normalizeTarget, readTarget } from './token-target.js';

/** `using credentials = clientCredentials(…)`: `[Symbol.dispose]` calls `dispose()` (where the runtime has it). */
export interface ClientCredentials extends DisposableWhereKnown {}

/** The options every target's manager is built from, read once when the client is created. */
type ManagerOptions = Pick<
  ClientCredentialsOptions,
  'storage' | 'dpop' | 'refreshMargin' | 'retry' | 'lock' | 'refreshInBackground'
>;

/** What every target's manager is built from. */
interface Shared {
  options: ManagerOptions;
  config: ClientConfig;
  endpoint: TokenEndpointResolver;
}

/**
 * One OAuth2 client using the `client_credentials` grant: a composition of one `TokenManager` per
 * target (scope, audience, resource), not a `TokenManager` itself — a service client has no
 * `setTokens()` or `clear()` to misuse. `getAccessToken()` serves the target configured in the
 * options; `for(target)` hands out the manager of any target, created once and reused.
 *
 * @example
 * const credentials = clientCredentials({ tokenUrl, clientId: 'billing', clientSecret });
 * const orders = credentials.for({ resource: 'https://orders.internal' });
 * const accessToken = await orders.getAccessToken();
 *
 * @example
 * using credentials = clientCredentials({ tokenUrl, clientId: 'billing', clientSecret }); // disposed at block end
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor installs it where Symbol.dispose exists.
export class ClientCredentials {
  readonly #shared: Shared;
  readonly #disposal = new AbortController();
  readonly #targets = new Map<string, TokenManager>();
  /** The configured target's manager; made again by `for()` after it was disposed on its own. */
  #root: TokenManager;
  readonly #rootTarget: CanonicalTarget;
  #rootDisposed = false;
  /** `subscribe()` listeners: moved to the configured target's manager when it is made again. */
  readonly #subscriptions = new Set<{ listener: TokenEventListener; off: () => void }>();

  /** @throws {TypeError} an option is missing, misspelled, contradictory or unreadable (e.g. the private key). */
  constructor(options: ClientCredentialsOptions) {
    const config = resolveOptions(options);
    // Read now, as `config` is: a caller reusing its options object for another client (another
    // tenant's storage, another DPoP key) must not change the targets this one creates later.
    const { storage, dpop, refreshMargin, retry, lock, refreshInBackground } = options;
    this.#shared = {
      // `retry` copied too (an object only: the manager refuses anything else): each target's manager reads its fields.
      options: {
        storage,
        dpop,
        refreshMargin,
        retry: typeof retry === 'object' ? retry && { ...retry } : retry,
        lock,
        refreshInBackground,
      },
      config,
      endpoint: new TokenEndpointResolver(config, this.#disposal.signal),
    };
    this.#rootTarget = config.target;
    this.#root = this.#create(config.target);
    disposeWhereKnown(this);
  }

  /** The key of the configured target, e.g. `billing@https://auth.example.com/token|read||`. */
  get key(): string {
    return this.#root.key;
  }

  /**
   * An access token for the configured target: cached, refreshed before expiry, one request for
   * any number of concurrent callers. Same as `for().getAccessToken(options)`.
   *
   * @throws the errors of `TokenManager.getAccessToken`, and `DiscoveryError` with `issuer`.
   */
  getAccessToken(options?: GetTokenOptions): Promise<string> {
    try {
      return this.for().getAccessToken(options);
    } catch (error) {
      return Promise.reject(error); // DisposedError: a promise-returning method rejects, never throws
    }
  }

  /**
   * Listens to the configured target's events (`refreshed`, `retrying`, `refresh_failed`…), also
   * after its manager was disposed on its own and made again by `for()`. @returns unsubscribe
   */
  subscribe(listener: TokenEventListener): () => void {
    const subscription = { listener, off: this.for().subscribe(listener) };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
      subscription.off();
    };
  }

  /**
   * The `TokenManager` of `target`, created on first use and reused: same scopes in any order, same
   * audiences and resources → same manager. The target replaces the configured scope, audience and
   * resource; it does not add to them. Without a target (or with the configured one): the manager of
   * the configured target — what `attachTokenManager` takes.
   *
   * @throws {TypeError} not a plain object (a Map, array, URL or class instance: spread it, `for({ ...target })`),
   *   an unknown key, an empty audience or one with whitespace around it, or a resource that is not an
   *   absolute URI.
   * @throws {RangeError} a new target while `maxTargets` others are held: dispose the managers of
   *   targets no longer used (`for(target).dispose()`), or raise `maxTargets`.
   * @throws {DisposedError} the client was disposed.
   */
  for(target?: TokenTarget): TokenManager {
    if (this.#disposal.signal.aborted) throw new DisposedError();
    if (target === undefined) return this.#configured();
    // A plain object (a literal, `Object.create(null)`, or one from another realm such as a `vm`
    // context: its prototype's prototype is null). A URL, an array, a Map or a class instance has no
    // target keys of its own and would silently mean "no scope, audience or resource".
    const proto: unknown = typeof target === 'object' && target !== null ? Object.getPrototypeOf(target) : 0;
    if (proto === 0 || (proto !== null && Object.getPrototypeOf(proto) !== null)) {
      throw new TypeError('clientCredentials.for: pass a plain object such as { scope, audience, resource }');
    }
    assertKnownOptions(target, TOKEN_TARGET_KEYS, 'clientCredentials.for');
    // Read once: the key and the request must name the same token.
    const once = readTarget(target);
    assertTargetTypes(once);
    // The key is built from the target as given (core sorts it): a target seen before is found
    // without normalising it twice, and its resources were checked when its manager was created.
    const key = this.#key(once);
    if (key === this.#root.key) return this.#configured();
    let manager = this.#targets.get(key);
    if (!manager) {
      const normalized = normalizeTarget(once);
      const { maxTargets } = this.#shared.config;
      if (this.#targets.size >= maxTargets) {
        throw new RangeError(
          `clientCredentials.for: ${maxTargets} targets held (maxTargets); dispose unused ones (for(target).dispose()) or raise maxTargets`,
        );
      }
      manager = this.#create(normalized, key);
      this.#targets.set(key, manager);
    }
    return manager;
  }

  /**
   * Disposes every target's manager, and aborts a discovery in flight when no other client waits
   * for it. Waiting callers reject with `DisposedError`; no timer or socket of this client remains.
   * Idempotent.
   */
  dispose(): void {
    if (this.#disposal.signal.aborted) return;
    this.#disposal.abort(new DisposedError());
    for (const manager of [...this.#targets.values()]) manager.dispose();
    this.#targets.clear();
    this.#subscriptions.clear();
    this.#root.dispose();
  }

  #configured(): TokenManager {
    if (this.#rootDisposed) {
      this.#rootDisposed = false;
      this.#root = this.#create(this.#rootTarget);
      for (const subscription of this.#subscriptions)
        subscription.off = this.#root.subscribe(subscription.listener);
    }
    return this.#root;
  }

  /**
   * The manager key of `target`, e.g. `billing@https://auth.example.com/token|read||` (`|tenant=acme`
   * after it with `extraParams`, digested: `…|#<sha256>`, decision 0407): core builds it, so
   * `tokenCacheKey` of `@tessera/redis` gives the same string (decision 0406).
   */
  #key({ scope, audience, resource }: TokenTarget): string {
    const { clientId, tokenUrl, issuer, extraParams } = this.#shared.config;
    const server = tokenUrl ?? issuer ?? '';
    return tokenTargetKey(
      { clientId, tokenUrl: server, scope, audience, resource, params: extraParams },
      sha256,
    );
  }

  #create(target: CanonicalTarget, key = this.#key(target)): TokenManager {
    const created: TokenManager = new TargetTokenManager(managerOptions(this.#shared, target, key), () => {
      if (this.#targets.get(key) === created) this.#targets.delete(key);
      if (this.#root === created) this.#rootDisposed = true;
    });
    return created;
  }
}

/** The digest that names `extraParams` and an endpoint's query in keys: the same as `tokenCacheKey`'s (decision 0407). */
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Creates the client-credentials client of `options`. See `ClientCredentialsOptions`.
 *
 * @throws {TypeError} an option is missing, misspelled (with a "did you mean"), contradictory or unreadable.
 */
export function clientCredentials(options: ClientCredentialsOptions): ClientCredentials {
  return new ClientCredentials(options);
}

function managerOptions(
  { options, config, endpoint }: Shared,
  target: CanonicalTarget,
  key: string,
): TokenManagerOptions {
  return {
    fetchTokens: clientCredentialsRequest(config, endpoint, target),
    key,
    storage: options.storage ? options.storage(key) : memoryStorage(),
    timeout: config.timeout,
    clock: config.clock,
    // Binds the stored set to the key, accepts only DPoP sets, and lets the transports find it.
    ...(options.dpop ? { senderConstraint: options.dpop } : {}),
    ...(options.refreshMargin === undefined ? {} : { refreshMargin: options.refreshMargin }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.lock === undefined ? {} : { lock: options.lock }),
    // Core takes the background scheduler as an injected piece; this package keeps its boolean.
    ...(options.refreshInBackground ? { refreshInBackground: backgroundRefresh() } : {}),
  };
}
