import { errors } from 'jose';
import { HttpResponse, http, type RequestHandler } from 'msw';
import { assertBoolean, assertKnownOptions } from './assert-known-options.js';
import type { AuthServerState } from './auth-server.js';
import { type BearerError, bearerChallenge, type ChallengeError, dpopChallenge } from './bearer-challenge.js';
import { DPOP_ALGORITHMS, DPoPProofError, type VerifiedProof, verifyProof } from './dpop-proof.js';
import { splitScope } from './requested-target.js';
import type { ServerContext } from './server-context.js';
import { withoutUrlSecrets } from './url-secrets.js';

/** Options of `auth.protectedApi(baseUrl, options)`. */
export interface ProtectedApiOptions {
  /**
   * The `aud` an access token must contain.
   * @default the server's `audience`
   */
  audience?: string;
  /**
   * Space-separated scopes a token must all have; otherwise 403 `insufficient_scope`.
   * @default undefined (any scope)
   */
  requiredScope?: string;
  /**
   * A DPoP proof must carry the APIs' current nonce, else 401 with
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"` and the nonce in `DPoP-Nonce` (RFC 9449 §9).
   * A proof with an old nonce (after `auth.rotateDPoPNonce()`) is answered so either way. Needs the
   * server's `dpop` option.
   * @default false
   */
  requireDPoPNonce?: boolean;
}

/** How a protected API call was authorised. */
export type ApiAuthorization = 'valid' | 'missing' | 'invalid' | 'expired' | 'revoked';

/** One entry of `auth.apiRequests`. Holds no token value. */
export interface ApiRequestLogEntry {
  method: string;
  /**
   * The request URL. The value of a credential query parameter (`access_token`, `refresh_token`,
   * `id_token`, `token`, `code`, `code_verifier`, `client_secret`, `client_assertion`, `assertion`,
   * `password`), its name judged decoded (`access%5Ftoken`) and in any case, reads `[REDACTED]`; so does
   * any value (decoded) equal to a credential a server issued or knows — a token, refresh token, ID
   * token, code, client secret or password — whatever its parameter is called (`?jwt=`, `?t=`, a bare `?<token>`),
   * and any path segment (decoded) equal to one (`/users/<token>` logs `/users/[REDACTED]`), if it has
   * 8 characters or more (a password `1` leaves `?page=1` and `/page/1` as sent).
   */
  url: string;
  authorization: ApiAuthorization;
  status: number;
  /** The `jti` of the access token, when it had a valid signature. */
  tokenId?: string;
}

type Verdict = (
  | { authorization: 'valid'; sub: string; scope: string; tokenId: string }
  | {
      authorization: Exclude<ApiAuthorization, 'valid'>;
      error?: BearerError;
      description: string;
      tokenId?: string;
    }
) & {
  /** Answer with a `DPoP` challenge: the request used DPoP, or its token is bound to a key. */
  dpop?: boolean;
  /** The resource servers' current DPoP nonce, to send back (`DPoP-Nonce`). */
  nonce?: string | undefined;
};

const OPTION_NAMES = Object.keys({
  audience: true,
  requiredScope: true,
  requireDPoPNonce: true,
} satisfies Record<keyof ProtectedApiOptions, true>);

/** `Bearer` or `DPoP` + b64token (RFC 6750 §2.1, RFC 9449 §7.1). */
const CREDENTIALS = /^(bearer|dpop) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The msw handlers of `auth.protectedApi`: any method, any path under `baseUrl`. */
export function protectedApiHandlers(
  context: ServerContext,
  state: Pick<AuthServerState, 'apiRequests' | 'generation'>,
  baseUrl: string,
  options: ProtectedApiOptions,
): RequestHandler[] {
  assertKnownOptions(options, OPTION_NAMES, 'auth.protectedApi(baseUrl, options)');
  assertBoolean(options.requireDPoPNonce, 'requireDPoPNonce', 'auth.protectedApi(baseUrl, options)');
  if (options.requireDPoPNonce && context.dpop === undefined) {
    throw new TypeError(
      'auth.protectedApi(baseUrl, options): requireDPoPNonce needs a server with DPoP; create it with { dpop: true }.',
    );
  }
  const requireNonce = options.requireDPoPNonce ?? false;
  const base = baseUrl.replace(/\/+$/, '');
  const audience = options.audience ?? context.audience;
  const required = splitScope(options.requiredScope ?? '');
  const resolver = async ({ request }: { request: Request }): Promise<Response> => {
    const generation = state.generation;
    const verdict = await verify(context, request, audience, requireNonce);
    const nonce: Record<string, string> = verdict.nonce === undefined ? {} : { 'DPoP-Nonce': verdict.nonce };
    const challengeOf = (error?: ChallengeError): string => {
      if (verdict.dpop) return dpopChallenge(base, DPOP_ALGORITHMS, error);
      const bearer = bearerChallenge(base, error);
      // No token at all: either scheme would do (RFC 9449 §7.1), as oidc-provider says.
      return context.dpop && !error ? `${bearer}, ${dpopChallenge(base, DPOP_ALGORITHMS)}` : bearer;
    };
    const entry: ApiRequestLogEntry = {
      method: request.method,
      url: withoutUrlSecrets(request.url, context.secrets),
      authorization: verdict.authorization,
      status: 200,
    };
    if (verdict.tokenId !== undefined) entry.tokenId = verdict.tokenId;
    if (state.generation === generation) state.apiRequests.push(entry);
    if (verdict.authorization !== 'valid') {
      entry.status = verdict.error === 'invalid_request' ? 400 : 401;
      const challenge = verdict.error
        ? { error: verdict.error, description: verdict.description }
        : undefined;
      const headers = { 'WWW-Authenticate': challengeOf(challenge), ...nonce };
      if (!verdict.error) return new HttpResponse(null, { status: 401, headers });
      const body = { error: verdict.error, error_description: verdict.description };
      return HttpResponse.json(body, { status: entry.status, headers });
    }
    const granted = new Set(splitScope(verdict.scope));
    const missing = required.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      entry.status = 403;
      const description = `The access token lacks the scope ${missing.join(' ')}`;
      const challenge = { error: 'insufficient_scope' as const, description, scope: required.join(' ') };
      const headers = { 'WWW-Authenticate': challengeOf(challenge), ...nonce };
      return HttpResponse.json(
        { error: 'insufficient_scope', error_description: description },
        { status: 403, headers },
      );
    }
    const path = new URL(request.url).pathname;
    return HttpResponse.json(
      { ok: true, method: request.method, path, sub: verdict.sub },
      { headers: nonce },
    );
  };
  return [http.all(base, resolver), http.all(`${base}/*`, resolver)];
}

/**
 * Decides one API request. With the server's `dpop` option, in oidc-provider 9's order
 * (`shared/access_token.js`): the scheme and the `DPoP` header go together (else 400
 * `invalid_request`), the proof is checked with `ath` (`invalid_dpop_proof`, `use_dpop_nonce`), then
 * the token, the proof's `jti` replay and the key binding (`invalid_token`).
 */
async function verify(
  context: ServerContext,
  request: Request,
  audience: string,
  requireNonce: boolean,
): Promise<Verdict> {
  const header = request.headers.get('authorization');
  const dpop = context.dpop;
  const scheme = dpop === undefined ? /^bearer(\s|$)/i : /^(bearer|dpop)(\s|$)/i;
  if (header === null || !scheme.test(header)) {
    return { authorization: 'missing', description: 'No Bearer token' };
  }
  const token = header.match(CREDENTIALS)?.[2];
  const usesDPoP = /^dpop/i.test(header);
  const proof = dpop === undefined ? null : request.headers.get('dpop');
  const badRequest = (description: string): Verdict => ({
    authorization: 'invalid',
    error: 'invalid_request',
    description,
    dpop: usesDPoP || proof !== null,
  });
  if (token === undefined) return badRequest(`Malformed ${usesDPoP ? 'DPoP' : 'Bearer'} credentials`);
  if (dpop === undefined || (!usesDPoP && proof === null)) return checkToken(context, token, audience);
  if (!usesDPoP) return badRequest('authorization header scheme must be `DPoP` when DPoP is used');
  if (proof === null) return badRequest('`DPoP` header not provided');
  let verified: VerifiedProof;
  try {
    verified = await verifyProof(proof, {
      method: request.method,
      url: request.url,
      now: context.clock(),
      nonce: dpop.nonce('api'),
      requireNonce,
      accessToken: token,
    });
  } catch (error) {
    if (!(error instanceof DPoPProofError)) throw error;
    return {
      authorization: 'invalid',
      error: error.error,
      description: error.message,
      dpop: true,
      nonce: error.nonce,
    };
  }
  const verdict = await checkToken(context, token, audience, verified);
  return { ...verdict, dpop: true, nonce: verified.nextNonce };
}

/**
 * Checks the token itself, as introspection would: signature, `exp`, known, not revoked, then (with
 * DPoP) the proof's `jti` replay and the key binding, then the audience.
 */
async function checkToken(
  context: ServerContext,
  token: string,
  audience: string,
  proof?: VerifiedProof,
): Promise<Verdict> {
  const invalid = (description: string, tokenId?: string): Verdict => ({
    authorization: 'invalid',
    error: 'invalid_token',
    description,
    ...(tokenId === undefined ? {} : { tokenId }),
  });
  let claims: Awaited<ReturnType<typeof context.key.verify>>;
  try {
    claims = await context.key.verify(token, { issuer: context.issuer, now: context.clock() });
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      const tokenId = typeof error.payload.jti === 'string' ? error.payload.jti : undefined;
      return {
        authorization: 'expired',
        error: 'invalid_token',
        description: 'The access token expired',
        ...(tokenId ? { tokenId } : {}),
      };
    }
    return invalid('The access token is not valid');
  }
  const tokenId = typeof claims.jti === 'string' ? claims.jti : '';
  const record = context.registry.findAccessToken(tokenId);
  if (record === undefined) return invalid('The access token is unknown to this server', tokenId);
  if (record.family.revoked || record.revoked) {
    return {
      authorization: 'revoked',
      error: 'invalid_token',
      description: 'The access token was revoked',
      tokenId,
      dpop: record.jkt !== undefined,
    };
  }
  if (proof && !context.dpop?.firstUse(record.family.clientId, proof.jti)) {
    return invalid('DPoP proof JWT Replay detected', tokenId);
  }
  if (proof && record.jkt === undefined) {
    return invalid('access token is not sender-constrained but proof of possession was provided', tokenId);
  }
  if (record.jkt !== undefined && record.jkt !== proof?.jkt) {
    return { ...invalid('failed jkt verification', tokenId), dpop: true };
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.includes(audience)) return invalid('The access token is for another audience', tokenId);
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  return {
    authorization: 'valid',
    sub: claims.sub ?? '',
    scope,
    tokenId,
    ...(record.jkt ? { dpop: true } : {}),
  };
}
