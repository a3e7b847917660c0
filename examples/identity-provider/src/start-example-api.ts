import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { listen } from './listen.js';
import { verifyDPoPProof } from './verify-dpop-proof.js';

/** Options of `startExampleApi`. */
export interface ExampleApiOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** The identity provider's issuer (`iss` of access tokens; its JWKS verifies them). */
  issuer: string;
  /** The API's resource indicator (`aud` of access tokens). */
  audience: string;
  /** A scope every token must carry; 403 `insufficient_scope` without it. @default 'api:read' */
  requiredScope?: string | false;
  /** Browser origins allowed by CORS. */
  appOrigins: readonly string[];
  /**
   * Require DPoP nonces (RFC 9449 §9) in the proofs of DPoP-bound tokens: the API issues a nonce,
   * sends it as `DPoP-Nonce` on every response, and answers a proof without the current one with
   * `401` and `WWW-Authenticate: DPoP error="use_dpop_nonce"` (and the nonce). `rotateNonce()` issues
   * a new one. Bearer tokens are not affected.
   * @default false
   */
  dpopNonce?: boolean;
  /**
   * The response headers a browser app may read (`Access-Control-Expose-Headers`, for `appOrigins`).
   * `['WWW-Authenticate']` plays an API whose `DPoP-Nonce` the app cannot read (a configuration
   * error the client reports, never retries).
   * @default ['WWW-Authenticate', 'DPoP-Nonce']
   */
  corsExposeHeaders?: readonly string[];
}

/** One request the API answered. */
export interface ApiRequestLogEntry {
  method: string;
  path: string;
  status: number;
  /**
   * What the API answered: `ok`, or the error it sent (`use_dpop_nonce`, `invalid_dpop_proof`,
   * `invalid_token`, `insufficient_scope`, `unauthorized` without a token, `not_found`); `preflight`
   * for a CORS preflight.
   */
  outcome: string;
  /** The token's `sub`, when it was valid. */
  sub?: string;
  /** The `Authorization` scheme the request used, lower-cased (`bearer`, `dpop`), when it had one. */
  scheme?: string;
  /**
   * For a DPoP-bound token (`cnf.jkt`): the thumbprint it is bound to, and whether the request's
   * proof was valid for it (signature, `htm`, `htu`, `iat`, fresh `jti`, `ath`, key = `cnf.jkt`).
   */
  dpop?: { jkt: string; proof: 'valid' | string };
}

/** A running example API. */
export interface ExampleApi {
  url: string;
  requestLog: ApiRequestLogEntry[];
  /**
   * Issues a new DPoP nonce: a proof with the old one gets a `use_dpop_nonce` challenge.
   * @throws {Error} the API was started without `dpopNonce`.
   */
  rotateNonce(): void;
  close(): Promise<void>;
}

/**
 * A tiny protected API: `GET /me` answers `{ sub, scope, expiresAt }` for a valid JWT access token
 * (signature from the provider's JWKS, `iss`, `aud`, `exp`), else 401 with `WWW-Authenticate: Bearer`.
 * A DPoP-bound token (`cnf.jkt`) must come as `Authorization: DPoP <token>` with a valid `DPoP` proof
 * for this request and the token's key (RFC 9449), else 401 with `WWW-Authenticate: DPoP`; sent as
 * `Bearer`, it is refused (no downgrade). With `dpopNonce`, the proof must also carry the API's
 * current nonce.
 */
export async function startExampleApi(options: ExampleApiOptions): Promise<ExampleApi> {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
  const origins = new Set(options.appOrigins);
  const requestLog: ApiRequestLogEntry[] = [];
  const requiredScope = options.requiredScope ?? 'api:read';
  const seenJtis = new Set<string>();
  const exposed = (options.corsExposeHeaders ?? ['WWW-Authenticate', 'DPoP-Nonce']).join(', ');
  const newNonce = () => randomBytes(16).toString('base64url');
  let nonce = options.dpopNonce ? newNonce() : undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (exposed) res.setHeader('Access-Control-Expose-Headers', exposed);
    }
    const logged: Pick<ApiRequestLogEntry, 'scheme' | 'dpop'> = {};
    const send = (status: number, body?: { error: string } | object, sub?: string) => {
      const outcome = body && 'error' in body ? String(body.error) : status === 204 ? 'preflight' : 'ok';
      requestLog.push({
        method: req.method ?? 'GET',
        path,
        status,
        outcome,
        ...(sub ? { sub } : {}),
        ...logged,
      });
      res.statusCode = status;
      if (nonce && req.method !== 'OPTIONS') res.setHeader('DPoP-Nonce', nonce);
      if (body === undefined) return void res.end();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      if (origin && origins.has(origin)) {
        res.setHeader('Access-Control-Allow-Methods', 'GET');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      return send(204);
    }
    if (req.method !== 'GET' || path !== '/me') return send(404, { error: 'not_found' });
    const [rawScheme, token] = (req.headers.authorization ?? '').split(' ');
    const scheme = rawScheme?.toLowerCase();
    if (scheme) logged.scheme = scheme;
    if ((scheme !== 'bearer' && scheme !== 'dpop') || !token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="example-api", DPoP algs="ES256"');
      return send(401, { error: 'unauthorized' });
    }
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
      });
      const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
      if (typeof jkt === 'string' || scheme === 'dpop') {
        const proof = req.headers.dpop;
        const verdict =
          typeof jkt !== 'string'
            ? { ok: false as const, reason: 'token not DPoP-bound' }
            : scheme !== 'dpop'
              ? { ok: false as const, reason: 'DPoP-bound token sent as Bearer' }
              : await verifyDPoPProof(
                  {
                    method: req.method ?? 'GET',
                    url: `http://${req.headers.host}${path}`,
                    accessToken: token,
                    proof: typeof proof === 'string' ? proof : undefined,
                    jkt,
                    nonce,
                  },
                  seenJtis,
                );
        logged.dpop = {
          jkt: typeof jkt === 'string' ? jkt : '',
          proof: verdict.ok ? 'valid' : verdict.reason,
        };
        if (!verdict.ok && 'challenge' in verdict && verdict.challenge) {
          res.setHeader(
            'WWW-Authenticate',
            `DPoP algs="ES256", error="${verdict.challenge}", error_description="a proof with the current DPoP-Nonce is required"`,
          );
          return send(401, { error: verdict.challenge });
        }
        if (!verdict.ok) {
          const error = scheme === 'dpop' && typeof jkt === 'string' ? 'invalid_dpop_proof' : 'invalid_token';
          res.setHeader('WWW-Authenticate', `DPoP algs="ES256", error="${error}"`);
          return send(401, { error });
        }
      }
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (requiredScope && !scopes.includes(requiredScope)) {
        res.setHeader(
          'WWW-Authenticate',
          `Bearer realm="example-api", error="insufficient_scope", scope="${requiredScope}"`,
        );
        return send(403, { error: 'insufficient_scope' }, payload.sub);
      }
      return send(
        200,
        { sub: payload.sub, scope: payload.scope, expiresAt: (payload.exp ?? 0) * 1000 },
        payload.sub,
      );
    } catch {
      res.setHeader('WWW-Authenticate', 'Bearer realm="example-api", error="invalid_token"');
      return send(401, { error: 'invalid_token' });
    }
  };

  const service = await listen(
    createServer((req, res) => void handle(req, res)),
    options.port ?? 0,
  );
  return {
    url: service.url,
    requestLog,
    rotateNonce: () => {
      if (!nonce) throw new Error('rotateNonce(): this API was started without dpopNonce: true');
      nonce = newNonce();
    },
    close: service.close,
  };
}
