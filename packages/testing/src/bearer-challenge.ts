/** RFC 6750 §3 error codes, and RFC 9449 §7.1's for DPoP. */
export type BearerError =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** What a challenge says beyond its realm. */
export interface ChallengeError {
  error: BearerError;
  description: string;
  scope?: string | undefined;
}

/**
 * A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3). Without `error` it is the bare challenge
 * for a request that carried no token (§3.1: no error information then).
 */
export function bearerChallenge(realm: string, error?: ChallengeError): string {
  return challenge('Bearer', realm, error);
}

/** A `WWW-Authenticate: DPoP …` challenge (RFC 9449 §7.1) with the proof algorithms accepted. */
export function dpopChallenge(realm: string, algs: readonly string[], error?: ChallengeError): string {
  return challenge('DPoP', realm, error, algs);
}

function challenge(scheme: string, realm: string, error?: ChallengeError, algs?: readonly string[]): string {
  const params = [`realm="${quote(realm)}"`];
  if (error) {
    params.push(`error="${error.error}"`, `error_description="${quote(error.description)}"`);
    if (error.scope) params.push(`scope="${quote(error.scope)}"`);
  }
  if (algs) params.push(`algs="${algs.join(' ')}"`);
  return `${scheme} ${params.join(', ')}`;
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
