import type { TestClient } from './auth-server-options.js';
import { rejectRepeatedParameters } from './form-body.js';
import { TokenEndpointError } from './token-endpoint-error.js';

/** Who a token request says it comes from, before any check (for the log). */
export function claimedClientId(request: Request, form: URLSearchParams): string | undefined {
  return parseBasic(request.headers.get('authorization'))?.clientId ?? form.get('client_id') ?? undefined;
}

/**
 * Authenticates the client of a token request: `client_secret_basic` (RFC 6749 §2.3.1, both parts
 * form-urlencoded), `client_secret_post`, or a public client's bare `client_id`.
 *
 * @throws {TokenEndpointError} 401 `invalid_client` (with `WWW-Authenticate: Basic` when Basic was tried),
 *   400 `invalid_request` when `client_id` or `client_secret` is repeated, more than one method is used
 *   or no `client_id` is given (oidc-provider 9's answers, checked before anything else).
 */
export function authenticateClient(
  request: Request,
  form: URLSearchParams,
  clients: readonly TestClient[],
  realm: string,
): TestClient {
  rejectRepeatedParameters(form, ['client_id', 'client_secret']);
  const header = request.headers.get('authorization');
  const usedBasic = header !== null && /^basic\s/i.test(header);
  const challenge: Record<string, string> = usedBasic ? { 'WWW-Authenticate': `Basic realm="${realm}"` } : {};
  const fail = (description: string): never => {
    throw new TokenEndpointError(401, 'invalid_client', description, challenge);
  };
  const basic = usedBasic ? parseBasic(header) : undefined;
  if (usedBasic && basic === undefined) fail('Malformed Basic credentials');
  if (basic && form.has('client_secret')) {
    throw new TokenEndpointError(400, 'invalid_request', 'Use only one client authentication method');
  }
  const clientId = basic?.clientId ?? form.get('client_id');
  const secret = basic ? basic.secret : form.get('client_secret');
  if (basic && form.has('client_id') && form.get('client_id') !== basic.clientId) {
    throw new TokenEndpointError(400, 'invalid_request', 'client_id does not match the Basic credentials');
  }
  if (clientId === null || clientId === '') {
    throw new TokenEndpointError(400, 'invalid_request', 'no client authentication mechanism provided');
  }
  const client = clients.find((candidate) => candidate.clientId === clientId);
  if (client === undefined) return fail('Unknown client');
  if (client.clientSecret === undefined) {
    if (secret !== null && secret !== '') fail('A public client has no secret');
    return client;
  }
  if (secret === null || secret === '') return fail('Client secret required');
  if (secret !== client.clientSecret) fail('Wrong client secret');
  return client;
}

function parseBasic(header: string | null): { clientId: string; secret: string } | undefined {
  const match = header?.match(/^basic\s+([A-Za-z0-9+/]+=*)\s*$/i);
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]);
    decoded = new TextDecoder().decode(Uint8Array.from(decoded, (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** RFC 6749 §2.3.1 / Appendix B: `+` is a space, then percent-decoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
