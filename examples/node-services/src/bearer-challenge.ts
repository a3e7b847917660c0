import { errors } from 'jose';

/** Why a resource server refuses a request (RFC 6750 §3). No `error` = the request had no token at all. */
export type BearerRejection =
  | { status: 401; error?: 'invalid_token'; description?: string }
  | { status: 403; error: 'insufficient_scope'; description: string; scope: string };

/** The realm every challenge of the inventory API names. */
const REALM = 'inventory';

/**
 * The `WWW-Authenticate` value for `rejection`, e.g.
 * `Bearer realm="inventory", error="invalid_token", error_description="the access token expired"`.
 */
export function bearerChallenge(rejection: BearerRejection): string {
  const params: [string, string][] = [['realm', REALM]];
  if (rejection.error) params.push(['error', rejection.error]);
  if (rejection.description) params.push(['error_description', rejection.description]);
  if (rejection.status === 403) params.push(['scope', rejection.scope]);
  // RFC 6750 §3: attribute values are quoted strings without `"` or `\`.
  return `Bearer ${params.map(([name, value]) => `${name}="${value.replace(/["\\]/g, "'")}"`).join(', ')}`;
}

/** A short reason for a failed JWT verification that names no token content. */
export function describeTokenError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token expired';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the access token is signed by an unknown key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature is invalid';
  if (error instanceof errors.JWTClaimValidationFailed) return `the ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not accepted';
  return 'the access token is malformed';
}
