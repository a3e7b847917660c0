import type { ClientAuthMethod } from '../token-endpoint.js';
import { formEncode } from './redact.js';

/** Who the client is, as a token or revocation request carries it. */
export interface ClientCredentialsInput {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  authMethod?: ClientAuthMethod | undefined;
}

/**
 * Adds client authentication (RFC 6749 §2.3) to a form request: an `Authorization: Basic` header
 * for `client_secret_basic` (both parts form-encoded before Base64, §2.3.1), else `client_id` (and
 * `client_secret` for `client_secret_post`) in the body.
 *
 * @returns the Basic credentials sent, for redaction, if any.
 */
export function authenticateClient(
  client: ClientCredentialsInput,
  form: URLSearchParams,
  headers: Record<string, string>,
): { clientId: string; clientSecret: string } | undefined {
  const { clientId, clientSecret } = client;
  const method = client.authMethod ?? (clientSecret === undefined ? 'none' : 'client_secret_basic');
  if (method === 'client_secret_basic') {
    const basic = { clientId: clientId ?? '', clientSecret: clientSecret ?? '' };
    headers.Authorization = `Basic ${btoa(`${formEncode(basic.clientId)}:${formEncode(basic.clientSecret)}`)}`;
    return basic;
  }
  if (clientId !== undefined) {
    form.set('client_id', clientId);
    if (method === 'client_secret_post' && clientSecret !== undefined)
      form.set('client_secret', clientSecret);
  }
  return undefined;
}
