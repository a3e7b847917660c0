import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { type BearerRejection, bearerChallenge, describeTokenError } from './bearer-challenge.js';
import { DPoPVerifier, type ProofRejection } from './dpop-verifier.js';
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
  /**
   * The time tokens are checked against (`exp`, `nbf`), epoch ms. DPoP proofs are always checked
   * against the wall clock: their clients date them by it.
   * @default Date.now
   */
  clock?: () => number;
}

/** Responses of the inventory API so far. */
export interface InventoryStats {
  /** Requests answered 200. */
  ok: number;
  /** Requests answered 401 (no token, or an invalid one). */
  unauthorized: number;
  /** Requests answered 403 (valid token without the required scope). */
  forbidden: number;
  /** Requests answered 200 with a DPoP-bound token and a verified proof (each `jti` accepted once). */
  dpopOk: number;
  /** DPoP nonce challenges (401 `use_dpop_nonce`): not counted in `unauthorized`. */
  nonceChallenges: number;
}

/** A running inventory API. */
export interface InventoryService extends RunningService {
  stats(): InventoryStats;
  /** Fetches the JWKS again now, as a resource server does when its key cache expires. */
  reloadKeys(): Promise<void>;
  /** Issues a new DPoP nonce: the next proof with the old one gets a `use_dpop_nonce` challenge. */
  rotateDPoPNonce(): void;
}

/**
 * Starts a protected API on 127.0.0.1: `GET /stock/:sku` answers only to a Bearer JWT signed by the
 * authorization server (RS256), issued by it, for this audience, not expired, with the required scope.
 * Rejections follow RFC 6750: 401 with `WWW-Authenticate: Bearer error="invalid_token"`, 403 with
 * `error="insufficient_scope"`. A token bound to a key (`cnf.jkt`, DPoP) is accepted only as
 * `Authorization: DPoP <token>` with a proof that `DPoPVerifier` accepts (RFC 9449); a nonce
 * challenge is `401` + `WWW-Authenticate: DPoP error="use_dpop_nonce"` + `DPoP-Nonce`.
 */
export async function startInventoryService(options: InventoryServiceOptions): Promise<InventoryService> {
  // A token signed by a key not in the cache makes jose fetch the JWKS again, at most once a second.
  const keys = createRemoteJWKSet(new URL(options.jwksUri), { cooldownDuration: 1_000 });
  const stats: InventoryStats = {
    ok: 0,
    unauthorized: 0,
    forbidden: 0,
    dpopOk: 0,
    nonceChallenges: 0,
  };
  const dpop = new DPoPVerifier();
  const clock = options.clock ?? Date.now;

  const reject = (res: ServerResponse, rejection: Rejection): void => {
    if ('proof' in rejection) {
      if (rejection.proof === 'use_dpop_nonce') stats.nonceChallenges += 1;
      else stats.unauthorized += 1;
      res.writeHead(401, {
        'content-type': 'application/json',
        'dpop-nonce': dpop.nonce,
        'www-authenticate': `DPoP realm="inventory", algs="ES256", error="${rejection.proof}", error_description="${rejection.reason}"`,
      });
      res.end(JSON.stringify({ error: rejection.proof, error_description: rejection.reason }));
      return;
    }
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

  /** `undefined`: accepted (with the proof's `jti` for a DPoP request). */
  const authorize = async (req: IncomingMessage, url: string): Promise<Rejection | { jti?: string }> => {
    const match = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1] || !match[2]) return { status: 401 };
    const scheme = match[1].toLowerCase();
    const token = match[2];
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat'],
        currentDate: new Date(clock()),
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
      const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
      if (typeof jkt !== 'string') {
        return scheme === 'bearer'
          ? {}
          : { status: 401, error: 'invalid_token', description: 'the token is not DPoP-bound' };
      }
      // A token bound to a key is worth nothing without a proof made with that key.
      if (scheme !== 'dpop') {
        return {
          status: 401,
          error: 'invalid_token',
          description: 'a DPoP-bound token must be sent as DPoP',
        };
      }
      const proofs = req.headersDistinct.dpop ?? [];
      const checked = await dpop.verify(proofs.length === 1 ? proofs[0] : undefined, {
        method: req.method ?? 'GET',
        url,
        token,
        jkt,
      });
      return 'jti' in checked ? { jti: checked.jti } : { proof: checked.rejection, reason: checked.reason };
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
    authorize(req, `http://${req.headers.host}${req.url}`).then(
      (outcome) => {
        if ('status' in outcome || 'proof' in outcome) return reject(res, outcome);
        stats.ok += 1;
        if (outcome.jti) {
          stats.dpopOk += 1;
          res.setHeader('dpop-nonce', dpop.nonce);
        }
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
    rotateDPoPNonce: () => dpop.rotateNonce(),
  };
}

/** Why a request is refused: an RFC 6750 rejection, or a DPoP proof rejection (RFC 9449). */
type Rejection = BearerRejection | { proof: ProofRejection; reason: string };
