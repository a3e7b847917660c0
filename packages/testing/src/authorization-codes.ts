import { randomToken } from './random-token.js';
import type { TokenFamily } from './token-registry.js';

/** What the server remembers of an authorization code it issued (never logged). */
export interface AuthorizationCodeRecord {
  readonly clientId: string;
  /** The `redirect_uri` of the authorization request; the token request must send the same. */
  readonly redirectUri: string;
  /** The S256 `code_challenge`. */
  readonly codeChallenge: string;
  /** The signed-in user (`sub`). */
  readonly subject: string;
  /** Space-separated, normalised. */
  readonly scope: string;
  readonly audience: string | readonly string[];
  readonly nonce: string | undefined;
  /** Epoch ms of the sign-in, for `auth_time`. */
  readonly authTime: number;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** Already exchanged: a second use is `invalid_grant` and revokes `family`. */
  used: boolean;
  /** The tokens the exchange issued. */
  family?: TokenFamily;
}

/** The authorization codes a server issued, by value. Held only in memory. */
export class AuthorizationCodes {
  readonly #codes = new Map<string, AuthorizationCodeRecord>();

  /** Stores `record` under a new random code and returns the code. */
  issue(record: Omit<AuthorizationCodeRecord, 'used'>): string {
    const code = randomToken(32);
    this.#codes.set(code, { ...record, used: false });
    return code;
  }

  find(code: string): AuthorizationCodeRecord | undefined {
    return this.#codes.get(code);
  }

  clear(): void {
    this.#codes.clear();
  }
}
