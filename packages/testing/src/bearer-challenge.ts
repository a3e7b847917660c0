/** RFC 6750 §3 error codes. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3). Without `error` it is the bare challenge
 * for a request that carried no token (§3.1: no error information then).
 */
export function bearerChallenge(
  realm: string,
  error?: { error: BearerError; description: string; scope?: string | undefined },
): string {
  const params = [`realm="${quote(realm)}"`];
  if (error) {
    params.push(`error="${error.error}"`, `error_description="${quote(error.description)}"`);
    if (error.scope) params.push(`scope="${quote(error.scope)}"`);
  }
  return `Bearer ${params.join(', ')}`;
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
