import {
  backgroundRefresh,
  DisposedError,
  memoryStorage,
  TokenManager,
  type TokenManagerOptions,
} from '@tessera/core';
import type { ClientCredentialsOptions, TokenTarget } from './client-credentials-options.js';
import { clientCredentialsRequest } from './client-credentials-request.js';
import { type ClientConfig, resolveOptions } from './resolve-options.js';
import { TargetTokenManager } from './target-token-manager.js';
import { TokenEndpointResolver } from './token-endpoint-resolver.js';
import { clientKeyPrefix, type NormalizedTarget, normalizeTarget, targetKey } from './token-target.js';

/** What every target's manager is built from. */
interface Shared {
  options: ClientCredentialsOptions;
  config: ClientConfig;
  endpoint: TokenEndpointResolver;
  /** `client@endpoint-or-issuer`, the start of every target's key. */
  keyPrefix: string;
}

/**
 * One OAuth2 client using the `client_credentials` grant. It is the `TokenManager` of the target
 * configured in its options, and hands out the manager of any other target with `for()`: one cached
 * token and one single flight per distinct (scope, audience, resource).
 *
 * @example
 * const credentials = clientCredentials({ tokenUrl, clientId: 'billing', clientSecret });
 * const orders = credentials.for({ resource: 'https://orders.internal' });
 * const accessToken = await orders.getAccessToken();
 */
export class ClientCredentials extends TokenManager {
  readonly #shared: Shared;
  readonly #disposal: AbortController;
  readonly #targets = new Map<string, TokenManager>();

  /** @throws {TypeError} an option is missing, contradictory or unreadable (e.g. the private key). */
  constructor(options: ClientCredentialsOptions) {
    const config = resolveOptions(options);
    const disposal = new AbortController();
    const shared: Shared = {
      options,
      config,
      endpoint: new TokenEndpointResolver(config, disposal.signal),
      keyPrefix: clientKeyPrefix(config.clientId, config.tokenUrl ?? config.issuer ?? ''),
    };
    super(managerOptions(shared, config.target));
    this.#shared = shared;
    this.#disposal = disposal;
  }

  /**
   * The `TokenManager` of `target`, created on first use and reused: same scopes in any order, same
   * audiences and resources → same manager. The target replaces the configured scope, audience and
   * resource; it does not add to them. The configured target returns this client itself.
   *
   * @throws {TypeError} an empty audience or a resource that is not an absolute URI.
   * @throws {DisposedError} the client was disposed.
   */
  for(target: TokenTarget): TokenManager {
    if (this.#disposal.signal.aborted) throw new DisposedError();
    const normalized = normalizeTarget(target);
    const key = targetKey(this.#shared.keyPrefix, normalized);
    if (key === this.key) return this;
    let manager = this.#targets.get(key);
    if (!manager) {
      const created = new TargetTokenManager(managerOptions(this.#shared, normalized), () => {
        if (this.#targets.get(key) === created) this.#targets.delete(key);
      });
      this.#targets.set(key, created);
      manager = created;
    }
    return manager;
  }

  /**
   * Disposes every target's manager and this one, and aborts a discovery in flight. Waiting callers
   * reject with `DisposedError`; no timer or socket of this client remains. Idempotent.
   */
  override dispose(): void {
    if (this.#disposal.signal.aborted) return;
    this.#disposal.abort(new DisposedError());
    for (const manager of [...this.#targets.values()]) manager.dispose();
    this.#targets.clear();
    super.dispose();
  }
}

/**
 * Creates the client-credentials client of `options` — itself the `TokenManager` of the configured
 * target. See `ClientCredentialsOptions`.
 *
 * @throws {TypeError} an option is missing, contradictory or unreadable.
 */
export function clientCredentials(options: ClientCredentialsOptions): ClientCredentials {
  return new ClientCredentials(options);
}

function managerOptions(
  { options, config, endpoint, keyPrefix }: Shared,
  target: NormalizedTarget,
): TokenManagerOptions {
  const key = targetKey(keyPrefix, target);
  return {
    fetchTokens: clientCredentialsRequest(config, endpoint, target),
    key,
    storage: options.storage ? options.storage(key) : memoryStorage(),
    timeout: config.timeout,
    clock: config.clock,
    ...(options.refreshMargin === undefined ? {} : { refreshMargin: options.refreshMargin }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.lock === undefined ? {} : { lock: options.lock }),
    // Core takes the background scheduler as an injected piece; this package keeps its boolean.
    ...(options.refreshInBackground ? { refreshInBackground: backgroundRefresh() } : {}),
  };
}
