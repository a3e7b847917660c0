/**
 * Everything issued to one sign-in (or one client-credentials request): the first access token,
 * every refresh token rotated from it and every access token they bought. Revoked as a whole.
 */
export interface TokenFamily {
  /** `sub`: the username, or the client id for `client_credentials`. */
  readonly subject: string;
  readonly clientId: string;
  /** Space-separated scope granted at sign-in. */
  readonly scope: string;
  /** `aud` granted at sign-in. */
  readonly audience: string | readonly string[];
  /**
   * Epoch ms of the sign-in, set when it issued an ID token (authorization code with `openid`):
   * a refresh that keeps `openid` issues a new one (OpenID Connect Core §12.2).
   */
  readonly authTime?: number;
  revoked: boolean;
}

/** A refresh token the server issued. */
export interface RefreshTokenRecord {
  readonly family: TokenFamily;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** Already exchanged for a new one; a second use is reuse. */
  rotated: boolean;
  /** Revoked on its own (`revokeFamily: false`); its family may still be valid. */
  revoked: boolean;
  /** The DPoP key thumbprint it is bound to (a public client's, RFC 9449 §5): refreshed only with that key. */
  readonly jkt?: string;
}

/** What the server remembers of an access token, by its `jti`. */
export interface AccessTokenRecord {
  readonly family: TokenFamily;
  /** Revoked on its own by `auth.revokeToken`; its family may still be valid. */
  revoked: boolean;
  /** The DPoP key thumbprint it is bound to (`cnf.jkt`): used only with a proof of that key. */
  readonly jkt?: string;
}

/** The server's memory of issued tokens. Holds values only in memory; never logs them. */
export class TokenRegistry {
  readonly #families = new Set<TokenFamily>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly #accessTokens = new Map<string, AccessTokenRecord>();

  /** Starts a token family. */
  createFamily(fields: Omit<TokenFamily, 'revoked'>): TokenFamily {
    const family: TokenFamily = { ...fields, revoked: false };
    this.#families.add(family);
    return family;
  }

  addAccessToken(jti: string, family: TokenFamily, jkt?: string): void {
    this.#accessTokens.set(jti, { family, revoked: false, ...(jkt === undefined ? {} : { jkt }) });
  }

  addRefreshToken(value: string, family: TokenFamily, expiresAt: number, jkt?: string): void {
    const record = { family, expiresAt, rotated: false, revoked: false };
    this.#refreshTokens.set(value, jkt === undefined ? record : { ...record, jkt });
  }

  findAccessToken(jti: string): AccessTokenRecord | undefined {
    return this.#accessTokens.get(jti);
  }

  findRefreshToken(value: string): RefreshTokenRecord | undefined {
    return this.#refreshTokens.get(value);
  }

  /**
   * Revokes one token: an access token (by its `jti`) on its own, or a refresh token together with
   * its whole family (RFC 7009 §2.1). Returns whether the server knew it.
   */
  revoke(refreshTokenOrJti: string): boolean {
    const refresh = this.#refreshTokens.get(refreshTokenOrJti);
    if (refresh) refresh.family.revoked = true;
    const access = this.#accessTokens.get(refreshTokenOrJti);
    if (access) access.revoked = true;
    return refresh !== undefined || access !== undefined;
  }

  /** Rejects every token issued so far. */
  revokeAll(): void {
    for (const family of this.#families) family.revoked = true;
  }

  /** Forgets every token: those issued before are unknown from now on. */
  clear(): void {
    this.#families.clear();
    this.#refreshTokens.clear();
    this.#accessTokens.clear();
  }
}
