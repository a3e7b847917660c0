import { parseWwwAuthenticate } from './core.js';

/**
 * Whether a `WWW-Authenticate` value holds a `DPoP` challenge with `error="use_dpop_nonce"`
 * (RFC 9449 §9). Other schemes' parameters (e.g. a `Bearer` challenge's `error`) do not count.
 * Read with core's `parseWwwAuthenticate`, the one parser the transports' `rejectsToken` uses too.
 */
export function isDPoPNonceChallenge(header: string | undefined): boolean {
  return (
    !!header &&
    parseWwwAuthenticate(header).some(
      (challenge) => challenge.scheme === 'dpop' && challenge.params.error === 'use_dpop_nonce',
    )
  );
}
