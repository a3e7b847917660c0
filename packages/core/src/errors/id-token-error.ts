import { TesseraError } from './tessera-error.js';

/** Which check of the ID token failed; `format` = not a decodable JWT with the required claims. */
export type IdTokenCheck = 'format' | 'iss' | 'aud' | 'azp' | 'exp' | 'nonce' | 'sub';

/**
 * The ID token the token endpoint returned fails an OpenID Connect check (Core §3.1.3.7, §12.2):
 * wrong `iss`, an `aud` without this client, a wrong `azp`, expired, a `nonce` that is not the one
 * this sign-in sent, or, on a refresh, another `sub` or `nonce` than the original. The tokens are not
 * stored. The message names the claim, never the token or the nonce.
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
