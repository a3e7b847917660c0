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
  const method = client.authMethod ?? (client.clientSecret === undefined ? 'none' : 'client_secret_basic');
  if (method === 'client_secret_basic') {
    const clientId = client.clientId ?? '';
    const clientSecret = client.clientSecret ?? '';
    headers.Authorization = `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
    return { clientId, clientSecret };
  }
  if (client.clientId !== undefined) {
    form.set('client_id', client.clientId);
    if (method === 'client_secret_post' && client.clientSecret !== undefined) {
      form.set('client_secret', client.clientSecret);
    }
  }
  return undefined;
}
