import { discoverTokenEndpoint } from './discovery.js';
import type { ClientConfig } from './resolve-options.js';

/**
 * The token endpoint of one client: `tokenUrl` as given, or discovered from `issuer` once and
 * shared by every target. Concurrent first requests share one discovery; a failed discovery is
 * forgotten, so the next attempt (a retry) discovers again.
 */
export class TokenEndpointResolver {
  readonly #config: ClientConfig;
  readonly #signal: AbortSignal;
  #known: string | undefined;
  #discovering: Promise<string> | undefined;

  constructor(config: ClientConfig, signal: AbortSignal) {
    this.#config = config;
    this.#signal = signal;
    this.#known = config.tokenUrl;
  }

  /** The token endpoint URL. */
  resolve(): Promise<string> {
    if (this.#known !== undefined) return Promise.resolve(this.#known);
    if (this.#discovering) return this.#discovering;
    const { issuer, httpClient, timeout } = this.#config;
    const flight: Promise<string> = discoverTokenEndpoint(issuer!, {
      httpClient,
      timeout,
      signal: this.#signal,
    })
      .then((url) => {
        this.#known = url;
        return url;
      })
      .finally(() => {
        // Only the code that started this discovery clears it.
        if (this.#discovering === flight) this.#discovering = undefined;
      });
    this.#discovering = flight;
    return flight;
  }
}
