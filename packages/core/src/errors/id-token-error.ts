import { TesseraError } from './tessera-error.js';

/**
 * Which check of the ID token failed. `format`: not a decodable JWT with `iss`, `sub` and `exp`, over
 * 65,536 characters, or unsigned or MAC-signed (header `alg` `none` or `HS…` such as `HS256`, or no `alg` at all).
 */
export type IdTokenCheck = 'format' | 'iss' | 'aud' | 'azp' | 'exp' | 'nonce' | 'sub';

/**
 * The ID token the token endpoint returned fails an OpenID Connect check (Core §3.1.3.7, §12.2):
 * not a usable JWT or unsigned or MAC-signed (`alg: none` or `HS…`: `check` `format`; Core §2, §10.1 —
 * a public client has no secret to key a MAC), wrong `iss`, an `aud` without this client, a wrong `azp`,
 * expired, a `nonce` that is not the one this sign-in sent, or, on a refresh, another `sub` or `nonce`
 * than the original. Thrown at the code exchange (a callback then stores nothing and revokes what the
 * code brought) and on a refresh (the session keeps its tokens). The message names the claim, never
 * the token or the nonce. What to do: sign in again; a `format` failure that repeats is the provider's
 * configuration (have it sign ID tokens for this client with `RS256`, `PS256`, `ES256` or `EdDSA`).
 */
export class IdTokenError extends TesseraError {
  readonly check: IdTokenCheck;

  constructor(check: IdTokenCheck, detail: string) {
    super('INVALID_ID_TOKEN', `ID token rejected: ${detail} (${check} check)`);
    this.name = 'IdTokenError';
    this.check = check;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), check: this.check };
  }
}
