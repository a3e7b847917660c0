// TEMPORARY SEAM — delete this file once `discover` and `revokeToken` land in core from the
// `transport` branch, and import them from there instead. It only holds the few lines sign-in needs
// from those contracts; it is not exported from the package.
import { NetworkError } from '../errors/network-error.js';
import { OAuthError } from '../errors/oauth-error.js';
import { TesseraError } from '../errors/tessera-error.js';

/** Authorization server metadata (RFC 8414, OpenID Connect Discovery); only the fields sign-in reads. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  authorization_response_iss_parameter_supported?: boolean;
  [field: string]: unknown;
}

interface TransportOptions {
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
}

function send(url: string, init: RequestInit, options: TransportOptions): Promise<Response> {
  const signals = [options.signal, AbortSignal.timeout(options.timeout ?? 10_000)];
  const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
  return (options.fetch ?? fetch)(url, { ...init, signal, redirect: 'manual' }).catch((error: unknown) => {
    throw new NetworkError(`${init.method ?? 'GET'} ${url}`, error);
  });
}

export async function discover(
  issuer: string | URL,
  options: TransportOptions = {},
): Promise<AuthorizationServerMetadata> {
  const id = String(issuer);
  const url = `${id.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await send(url, { headers: { Accept: 'application/json' } }, options);
  const metadata = (await response.json().catch(() => undefined)) as AuthorizationServerMetadata | undefined;
  if (!response.ok || metadata?.issuer !== id) {
    throw new TesseraError('DISCOVERY_FAILED', `No metadata naming issuer ${id} at GET ${url}`);
  }
  return metadata;
}

export async function revokeToken(options: {
  revocationUrl: string | URL;
  token: string;
  tokenTypeHint?: string;
  clientId?: string;
  fetch?: typeof fetch | undefined;
  timeout?: number | undefined;
}): Promise<void> {
  const url = String(options.revocationUrl);
  const body = new URLSearchParams({ token: options.token });
  if (options.tokenTypeHint) body.set('token_type_hint', options.tokenTypeHint);
  if (options.clientId) body.set('client_id', options.clientId);
  const response = await send(url, { method: 'POST', body }, options);
  if (response.ok) return;
  const json = (await response.json().catch(() => ({}))) as { error?: unknown; error_description?: unknown };
  const where = `POST ${url}`;
  if (typeof json.error !== 'string')
    throw new TesseraError('HTTP_ERROR', `Revocation failed with HTTP ${response.status} — ${where}`);
  throw new OAuthError({ error: json.error, status: response.status }, where);
}
