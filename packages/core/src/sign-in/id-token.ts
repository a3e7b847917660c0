import { jwtDecode } from 'jwt-decode';
import { IdTokenError } from '../errors/id-token-error.js';
import { decodeJwtClaims, MAX_DECODED_JWT_LENGTH } from '../jwt-claims.js';

/** The claims of an OpenID Connect ID token (Core §2), e.g. for "Signed in as {name ?? email ?? sub}". */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  /** Expiry, epoch seconds. */
  exp: number;
  iat?: number;
  nonce?: string;
  azp?: string;
  name?: string;
  email?: string;
  [claim: string]: unknown;
}

/**
 * The claims of `idToken`, decoded without validating them. One longer than 65,536 characters is
 * refused undecoded (decision 0026): its claims could not be checked.
 */
export function decodeIdToken(idToken: string): IdTokenClaims {
  const claims: Partial<IdTokenClaims> | undefined = decodeJwtClaims(idToken);
  if (!claims) {
    throw new IdTokenError(
      'format',
      idToken.length > MAX_DECODED_JWT_LENGTH
        ? `it is longer than ${MAX_DECODED_JWT_LENGTH} characters, too long to decode`
        : 'it is not a decodable JWT',
    );
  }
  if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
    throw new IdTokenError('format', 'iss, sub or exp is missing');
  }
  return claims as IdTokenClaims;
}

/** What an ID token is checked against. */
export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** Epoch ms. */
  now: number;
  /** Allowed clock skew for `exp`, in ms. */
  tolerance: number;
  /** The nonce the authorization request sent; on a refresh, the original ID token's nonce. */
  nonce: string | undefined;
  /** On a refresh: the original ID token's claims (`sub` must stay; a `nonce`, if any, must equal). */
  original?: IdTokenClaims | undefined;
}

/**
 * Checks an ID token obtained straight from the token endpoint over TLS (OpenID Connect Core
 * §3.1.3.7: the TLS server validation stands in for the signature check for this client) and returns
 * its claims. One that is unsigned (`alg: none`, Core §2) or MAC-signed (`HS256`…, keyed with a client
 * secret, Core §10.1, which this public client has none of) is refused: no provider signs one so for it.
 *
 * @throws {IdTokenError} a check failed.
 */
export function validateIdToken(idToken: string, expected: IdTokenExpectations): IdTokenClaims {
  const claims = decodeIdToken(idToken);
  let alg: unknown;
  try {
    alg = jwtDecode(idToken, { header: true }).alg;
  } catch {}
  // Unsigned also when padded ("None ") or with an empty signature, whatever the header names.
  if (typeof alg !== 'string' || /^\s*(none\s*$|hs)/i.test(alg) || idToken.endsWith('.'))
    throw new IdTokenError('format', 'it is unsigned or MAC-signed (alg none or HS…)');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== expected.issuer) throw new IdTokenError('iss', 'it was issued by another issuer');
  if (!audiences.includes(expected.clientId))
    throw new IdTokenError('aud', 'its aud does not name this client');
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expected.clientId) {
    throw new IdTokenError('azp', 'its azp is not this client');
  }
  if (claims.exp * 1000 + expected.tolerance <= expected.now) throw new IdTokenError('exp', 'it has expired');
  const { original } = expected;
  if (original && claims.sub !== original.sub) throw new IdTokenError('sub', 'it names another user');
  const wrongNonce = original
    ? claims.nonce !== undefined && claims.nonce !== original.nonce
    : expected.nonce !== undefined && claims.nonce !== expected.nonce;
  if (wrongNonce) {
    throw new IdTokenError('nonce', 'its nonce is not the one this sign-in sent');
  }
  return claims;
}
