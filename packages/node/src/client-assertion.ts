import { randomUUID } from 'node:crypto';
import { clientCredentialsDefaults } from './client-credentials-options.js';
import { loadJose } from './load-jose.js';
import type { SigningKey } from './private-key.js';

/** The `client_assertion_type` of RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** What one client assertion says. */
export interface AssertionClaims {
  clientId: string;
  /** The `aud` claim: the token endpoint URL or the issuer identifier. */
  audience: string;
  /** Now, epoch ms. */
  now: number;
}

/**
 * Signs a fresh RFC 7523 client assertion: `iss` = `sub` = client id, `aud`, a random `jti`, `iat` =
 * now and `exp` = now + 60 s. Called once per token request attempt, so a retry never replays a `jti`.
 *
 * @throws {MissingPeerDependencyError} `jose` is not installed.
 */
export async function signClientAssertion(signingKey: SigningKey, claims: AssertionClaims): Promise<string> {
  const { SignJWT } = await loadJose();
  const iat = Math.floor(claims.now / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg: signingKey.alg,
      typ: 'JWT',
      ...(signingKey.kid === undefined ? {} : { kid: signingKey.kid }),
    })
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(claims.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + clientCredentialsDefaults.assertionLifetime / 1000)
    .sign(signingKey.key);
}
