import type { TestClient, TestUser } from './auth-server-options.js';
import type { AuthorizationCodes } from './authorization-codes.js';
import type { DPoPState } from './dpop-proof.js';
import type { MinterContext } from './token-minter.js';

/** The resolved configuration and state one `createAuthServer` shares between its handlers. */
export interface ServerContext extends MinterContext {
  readonly tokenUrl: string;
  readonly authorizationUrl: string;
  readonly codes: AuthorizationCodes;
  /** ms */
  readonly authorizationCodeLifetime: number;
  readonly revocationUrl: string;
  readonly clients: readonly TestClient[];
  readonly users: readonly TestUser[];
  readonly rotateRefreshTokens: boolean;
  /** A rotated refresh token gets a new `refreshTokenLifetime` (else it keeps its predecessor's expiry). */
  readonly slidingRefreshTokenLifetime: boolean;
  readonly revokeFamily: boolean;
  readonly audience: string;
  /** The resource servers `resource` may name; undefined: any. */
  readonly resources: readonly string[] | undefined;
  /** DPoP's nonces and seen `jti`s; undefined when the server has no DPoP. */
  readonly dpop: DPoPState | undefined;
}
