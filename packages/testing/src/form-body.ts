import { TokenEndpointError } from './token-endpoint-error.js';

/**
 * The form body of a request to the token or revocation endpoint, and the checks both endpoints make
 * on it before anything else, as oidc-provider makes them (one implementation for both endpoints).
 */

/** oidc-provider reads at most 56 KiB of a request body, and refuses a longer one. */
const BODY_LIMIT = 56 * 1024;
/**
 * oidc-provider parses the body with `node:querystring`, whose `maxKeys` (1000) counts every
 * `&`-separated piece, empty ones included, and silently drops the rest.
 */
const PAIR_LIMIT = 1000;

/**
 * The form body as oidc-provider 9 reads it: an empty form without a `Content-Type` (the body is not
 * read; the client may still authenticate with its `Authorization` header), `undefined` for another
 * media type than `application/x-www-form-urlencoded` (in any letter case, with any parameters, but
 * not a longer name), `null` for a body over 56 KiB. Only the first 1000 `&`-separated pairs are kept.
 */
export async function readForm(request: Request): Promise<URLSearchParams | undefined | null> {
  const type = request.headers.get('content-type');
  if (type === null) return new URLSearchParams();
  if (type.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return undefined;
  const body = await request.arrayBuffer();
  if (body.byteLength > BODY_LIMIT) return null;
  return new URLSearchParams(new TextDecoder().decode(body).split('&', PAIR_LIMIT).join('&'));
}

/**
 * @throws {TokenEndpointError} 400 `invalid_request` when the request had no form body (another
 * content type, such as JSON), or one over 56 KiB.
 */
export function requireForm(form: URLSearchParams | undefined | null): asserts form is URLSearchParams {
  if (form === undefined) {
    throw new TokenEndpointError(
      400,
      'invalid_request',
      'Expected an application/x-www-form-urlencoded body',
    );
  }
  if (form === null) {
    throw new TokenEndpointError(400, 'invalid_request', 'failed to parse the request body (over 56 KiB)');
  }
}

/**
 * The value of a parameter the request must carry.
 * @throws {TokenEndpointError} 400 `invalid_request` (`<name> is required`) when it is absent or empty.
 */
export function requiredParameter(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '')
    throw new TokenEndpointError(400, 'invalid_request', `${name} is required`);
  return value;
}

/** Parameters RFC 8707 lets a client repeat; every other one may appear once. */
const REPEATABLE = new Set(['resource']);

/**
 * RFC 6749 §3.2: request parameters MUST NOT be included more than once (oidc-provider answers
 * `invalid_request`, at the revocation endpoint too); `resource` is the exception (RFC 8707 §2).
 * Only the parameters in `only` are checked: oidc-provider checks `grant_type` earlier than the rest,
 * and ignores parameters the endpoint or grant does not use, repeated or not.
 * @throws {TokenEndpointError} 400 `invalid_request` naming the repeated parameters.
 */
export function rejectRepeatedParameters(form: URLSearchParams, only: readonly string[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of form.keys()) {
    if (!only.includes(name)) continue;
    if (seen.has(name) && !REPEATABLE.has(name)) repeated.add(name);
    seen.add(name);
  }
  if (repeated.size > 0) {
    const names = [...repeated].join(', ');
    throw new TokenEndpointError(400, 'invalid_request', `${names} must not be provided more than once`);
  }
}
