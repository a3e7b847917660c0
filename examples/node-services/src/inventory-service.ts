import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { type BearerRejection, bearerChallenge, describeTokenError } from './bearer-challenge.js';
import { listen, type RunningService } from './service.js';

/** Options of `startInventoryService`. */
export interface InventoryServiceOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** The authorization server's issuer; tokens must carry it as `iss`. */
  issuer: string;
  /** Where the authorization server publishes its public keys. */
  jwksUri: string;
  /** This API's resource indicator; tokens must carry it in `aud`. */
  audience: string;
  /** The scope `GET /stock/:sku` requires. */
  requiredScope: string;
}

/** Responses of the inventory API so far. */
export interface InventoryStats {
  /** Requests answered 200. */
  ok: number;
  /** Requests answered 401 (no token, or an invalid one). */
  unauthorized: number;
  /** Requests answered 403 (valid token without the required scope). */
  forbidden: number;
}

/** A running inventory API. */
export interface InventoryService extends RunningService {
  stats(): InventoryStats;
  /** Fetches the JWKS again now, as a resource server does when its key cache expires. */
  reloadKeys(): Promise<void>;
}

/**
 * Starts a protected API on 127.0.0.1: `GET /stock/:sku` answers only to a Bearer JWT signed by the
 * authorization server (RS256), issued by it, for this audience, not expired, with the required scope.
 * Rejections follow RFC 6750: 401 with `WWW-Authenticate: Bearer error="invalid_token"`, 403 with
 * `error="insufficient_scope"`.
 */
export async function startInventoryService(options: InventoryServiceOptions): Promise<InventoryService> {
  // A token signed by a key not in the cache makes jose fetch the JWKS again, at most once a second.
  const keys = createRemoteJWKSet(new URL(options.jwksUri), { cooldownDuration: 1_000 });
  const stats: InventoryStats = { ok: 0, unauthorized: 0, forbidden: 0 };

  const reject = (res: ServerResponse, rejection: BearerRejection): void => {
    if (rejection.status === 401) stats.unauthorized += 1;
    else stats.forbidden += 1;
    res.writeHead(rejection.status, {
      'content-type': 'application/json',
      'www-authenticate': bearerChallenge(rejection),
    });
    res.end(
      JSON.stringify(
        rejection.error ? { error: rejection.error, error_description: rejection.description } : {},
      ),
    );
  };

  const authorize = async (req: IncomingMessage): Promise<BearerRejection | undefined> => {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return { status: 401 };
    try {
      const { payload } = await jwtVerify(match[1], keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat'],
      });
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (!scopes.includes(options.requiredScope)) {
        return {
          status: 403,
          error: 'insufficient_scope',
          description: `this request needs the scope ${options.requiredScope}`,
          scope: options.requiredScope,
        };
      }
      return undefined;
    } catch (error) {
      // The keys could not be fetched: the token may be fine, so answer 503 rather than 401.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw error;
      return { status: 401, error: 'invalid_token', description: describeTokenError(error) };
    }
  };

  const server = createServer((req, res) => {
    const sku = /^\/stock\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'GET' || !sku) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    authorize(req).then(
      (rejection) => {
        if (rejection) return reject(res, rejection);
        stats.ok += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sku, available: 42 }));
      },
      () => res.writeHead(503, { 'retry-after': '1' }).end(),
    );
  });
  const service = await listen(server, options.port ?? 0);
  return {
    ...service,
    stats: () => ({ ...stats }),
    reloadKeys: () => keys.reload(),
  };
}
