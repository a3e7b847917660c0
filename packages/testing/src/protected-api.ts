import { errors } from 'jose';
import { HttpResponse, http, type RequestHandler } from 'msw';
import { assertKnownOptions } from './assert-known-options.js';
import type { AuthServerState } from './auth-server.js';
import { type BearerError, bearerChallenge } from './bearer-challenge.js';
import { splitScope } from './requested-target.js';
import type { ServerContext } from './server-context.js';

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
}

/** How a protected API call was authorised. */
export type ApiAuthorization = 'valid' | 'missing' | 'invalid' | 'expired' | 'revoked';

/** One entry of `auth.apiRequests`. Holds no token value. */
export interface ApiRequestLogEntry {
  method: string;
  /** The request URL; the value of an `access_token` query parameter reads `[REDACTED]`. */
  url: string;
  authorization: ApiAuthorization;
  status: number;
  /** The `jti` of the access token, when it had a valid signature. */
  tokenId?: string;
}

type Verdict =
  | { authorization: 'valid'; sub: string; scope: string; tokenId: string }
  | {
      authorization: Exclude<ApiAuthorization, 'valid'>;
      error?: BearerError;
      description: string;
      tokenId?: string;
    };

/**
 * The URL with the value of an `access_token` query parameter (RFC 6750 §2.3, which this API does
 * not accept) replaced, so the log never holds a token. The rest of the URL is kept as sent.
 */
function withoutQueryToken(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[REDACTED]');
}

const OPTION_NAMES = Object.keys({
  audience: true,
  requiredScope: true,
} satisfies Record<keyof ProtectedApiOptions, true>);

/** `Bearer` + b64token (RFC 6750 §2.1). */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The msw handlers of `auth.protectedApi`: any method, any path under `baseUrl`. */
export function protectedApiHandlers(
  context: ServerContext,
  state: Pick<AuthServerState, 'apiRequests' | 'generation'>,
  baseUrl: string,
  options: ProtectedApiOptions,
): RequestHandler[] {
  assertKnownOptions(options, OPTION_NAMES, 'auth.protectedApi(baseUrl, options)');
  const base = baseUrl.replace(/\/+$/, '');
  const audience = options.audience ?? context.audience;
  const required = splitScope(options.requiredScope ?? '');
  const resolver = async ({ request }: { request: Request }): Promise<Response> => {
    const generation = state.generation;
    const verdict = await verify(context, request.headers.get('authorization'), audience);
    const entry: ApiRequestLogEntry = {
      method: request.method,
      url: withoutQueryToken(request.url),
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
      const headers = { 'WWW-Authenticate': bearerChallenge(base, challenge) };
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
      const headers = { 'WWW-Authenticate': bearerChallenge(base, challenge) };
      return HttpResponse.json(
        { error: 'insufficient_scope', error_description: description },
        { status: 403, headers },
      );
    }
    const path = new URL(request.url).pathname;
    return HttpResponse.json({ ok: true, method: request.method, path, sub: verdict.sub });
  };
  return [http.all(base, resolver), http.all(`${base}/*`, resolver)];
}

async function verify(context: ServerContext, header: string | null, audience: string): Promise<Verdict> {
  if (header === null || !/^bearer(\s|$)/i.test(header)) {
    return { authorization: 'missing', description: 'No Bearer token' };
  }
  const token = header.match(BEARER)?.[1];
  if (token === undefined) {
    return {
      authorization: 'invalid',
      error: 'invalid_request',
      description: 'Malformed Bearer credentials',
    };
  }
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
    };
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.includes(audience)) return invalid('The access token is for another audience', tokenId);
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  return { authorization: 'valid', sub: claims.sub ?? '', scope, tokenId };
}
