import { discover } from '@tessera/core';
import type { ClientConfig } from './resolve-options.js';

/**
 * The token endpoint of one client: `tokenUrl` as given, or discovered from `issuer` with core's
 * `discover()` (with `tls_client_auth` or `self_signed_tls_client_auth`, the RFC 8705
 * `mtls_endpoint_aliases.token_endpoint` when the server publishes one; one lookup per issuer and fetch, shared by every target; a failure is not kept, so
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
    const { tokenUrl, issuer, fetch, timeout, allowInsecureHttp, auth } = this.#config;
    if (tokenUrl !== undefined) return tokenUrl;
    const metadata = await discover(issuer!, { fetch, timeout, signal: this.#signal, allowInsecureHttp });
    // RFC 8705 §5: a client authenticating with its certificate uses the mTLS alias, if published.
    const alias = auth.method.endsWith('tls_client_auth')
      ? metadata.mtls_endpoint_aliases?.token_endpoint
      : undefined;
    return alias ?? metadata.token_endpoint;
  }
}
