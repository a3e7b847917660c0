import { randomUUID } from 'node:crypto';
import { clientCredentialsDefaults } from './client-credentials-options.js';
import { ClientAssertionError } from './errors/client-assertion-error.js';
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
 * @throws {ClientAssertionError} `jose` refused to sign: typed here, so a failure while making the DPoP
 *   retry's body (`resendBody`) is not taken for a network failure and retried (decision 1210).
 */
export async function signClientAssertion(signingKey: SigningKey, claims: AssertionClaims): Promise<string> {
  const { SignJWT } = await loadJose();
  const iat = Math.floor(claims.now / 1000);
  try {
    return await new SignJWT({})
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
  } catch (error) {
    throw new ClientAssertionError(signingKey.alg, error);
  }
}
