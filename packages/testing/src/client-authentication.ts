import type { TestClient } from './auth-server-options.js';
import { rejectRepeatedParameters } from './form-body.js';
import { TokenEndpointError } from './token-endpoint-error.js';

/** Who a token request says it comes from, before any check (for the log). */
export function claimedClientId(request: Request, form: URLSearchParams): string | undefined {
  const header = request.headers.get('authorization');
  const basic = header === null ? undefined : readBasic(header);
  return (typeof basic === 'object' ? basic.clientId : undefined) ?? form.get('client_id') ?? undefined;
}

/**
 * Authenticates the client of a token request: `client_secret_basic` (RFC 6749 §2.3.1, both parts
 * form-urlencoded), `client_secret_post`, or a public client's bare `client_id`. Like oidc-provider 9,
 * any `Authorization` header is an attempt at `client_secret_basic`.
 *
 * @throws {TokenEndpointError} 401 `invalid_client` (with `WWW-Authenticate: Basic` when an
 *   `Authorization` header was sent); 400 `invalid_request` when `client_id` or `client_secret` is
 *   repeated, more than one method is used, the `Authorization` header is not well-formed Basic
 *   credentials with a secret, or no `client_id` is given (oidc-provider 9's answers, checked before
 *   anything else).
 */
export function authenticateClient(
  request: Request,
  form: URLSearchParams,
  clients: readonly TestClient[],
  realm: string,
): TestClient {
  rejectRepeatedParameters(form, ['client_id', 'client_secret']);
  const header = request.headers.get('authorization');
  const challenge: Record<string, string> =
    header === null ? {} : { 'WWW-Authenticate': `Basic realm="${realm}"` };
  const fail = (description: string): never => {
    throw new TokenEndpointError(401, 'invalid_client', description, challenge);
  };
  const invalidRequest = (description: string): never => {
    throw new TokenEndpointError(400, 'invalid_request', description);
  };
  // As oidc-provider reads parameters: an empty one is an absent one.
  const formClientId = form.get('client_id') || undefined;
  const formSecret = form.get('client_secret') || undefined;
  if (header && formSecret !== undefined) invalidRequest('Use only one client authentication method');
  let secret = formSecret;
  let basicClientId: string | undefined;
  if (formSecret === undefined && header !== null) {
    const basic = readBasic(header);
    if (typeof basic === 'string') return invalidRequest(basic);
    if (formClientId !== undefined && formClientId !== basic.clientId) {
      invalidRequest('client_id does not match the Basic credentials');
    }
    if (basic.secret === '') invalidRequest('client_secret must be provided in the Authorization header');
    basicClientId = basic.clientId;
    secret = basic.secret;
  }
  const clientId = basicClientId ?? formClientId;
  if (!clientId) return invalidRequest('no client authentication mechanism provided');
  const client = clients.find((candidate) => candidate.clientId === clientId);
  // Named (the first 40 characters, as RFC 6749 §A.7 allows them) so a test's typo shows in the answer.
  if (client === undefined) {
    return fail(`Unknown client ${clientId.slice(0, 40).replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?')}`);
  }
  if (client.clientSecret === undefined) {
    if (secret !== undefined) fail('A public client has no secret');
    return client;
  }
  if (secret === undefined) return fail('Client secret required');
  if (secret !== client.clientSecret) fail('Wrong client secret');
  return client;
}

/**
 * An `Authorization` header read as oidc-provider 9 reads it: exactly `Basic`, one space and strict
 * base64 (RFC 4648, padding optional but never wrong) of `id:secret`, each part form-urlencoded
 * (RFC 6749 §2.3.1) and printable ASCII once decoded. Returns why it is malformed otherwise.
 */
function readBasic(header: string): { clientId: string; secret: string } | string {
  const malformed = 'invalid authorization header value format';
  const parts = header.split(' ');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'basic' || !isStrictBase64(parts[1] ?? '')) {
    return malformed;
  }
  const bytes = Uint8Array.from(atob(parts[1] ?? ''), (char) => char.charCodeAt(0));
  const decoded = new TextDecoder().decode(bytes);
  const colon = decoded.indexOf(':');
  if (colon < 0) return malformed;
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return 'client_id and client_secret in the authorization header are not properly encoded';
  }
}

/** Base64 of at least one character, with the right padding or none (never a lone trailing character). */
function isStrictBase64(value: string): boolean {
  const match = /^([A-Za-z0-9+/]+)(={0,2})$/.exec(value);
  if (!match?.[1]) return false;
  const remainder = match[1].length % 4;
  const padding = match[2]?.length ?? 0;
  return padding === 0 ? remainder !== 1 : padding === 4 - remainder;
}

/**
 * Anything but printable ASCII (VSCHAR, RFC 6749 Appendix A): oidc-provider 9 refuses such a `client_id`
 * or `client_secret` at registration and in Basic credentials.
 */
export const NOT_VSCHAR = /[^\x20-\x7e]/;

/**
 * RFC 6749 §2.3.1 / Appendix B: `+` is a space, then percent-decoding. Like oidc-provider 9, the
 * result must be printable ASCII (VSCHAR, Appendix A): raw UTF-8, bytes that are no UTF-8 and a
 * percent-encoded non-ASCII character are all refused.
 * @throws {URIError} for a bad percent-escape, a control character or a character beyond ASCII.
 */
function formDecode(value: string): string {
  const decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  if (NOT_VSCHAR.test(decoded)) throw new URIError('not printable ASCII');
  return decoded;
}
