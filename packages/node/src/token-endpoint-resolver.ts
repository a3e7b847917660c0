import { discover } from '@tessera/core';
import type { ClientConfig } from './resolve-options.js';

/**
 * The token endpoint of one client: `tokenUrl` as given, or discovered from `issuer` with core's
 * `discover()` (one lookup per issuer and fetch, shared by every target; a failure is not kept, so
 * the next attempt — a retry — looks again).
 */
export class TokenEndpointResolver {
  readonly #config: ClientConfig;
  readonly #signal: AbortSignal;

  constructor(config: ClientConfig, signal: AbortSignal) {
    this.#config = config;
    this.#signal = signal;
  }

  /** The token endpoint URL. */
  async resolve(): Promise<string> {
    const { tokenUrl, issuer, fetch, timeout, allowInsecureHttp } = this.#config;
    if (tokenUrl !== undefined) return tokenUrl;
    const metadata = await discover(issuer!, { fetch, timeout, signal: this.#signal, allowInsecureHttp });
    return metadata.token_endpoint;
  }
}
