import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { listen } from './listen.js';

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
}

/** One request the API answered. */
export interface ApiRequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** The token's `sub`, when it was valid. */
  sub?: string;
}

/** A running example API. */
export interface ExampleApi {
  url: string;
  requestLog: ApiRequestLogEntry[];
  close(): Promise<void>;
}

/**
 * A tiny protected API: `GET /me` answers `{ sub, scope, expiresAt }` for a valid JWT access token
 * (signature from the provider's JWKS, `iss`, `aud`, `exp`), else 401 with `WWW-Authenticate: Bearer`.
 */
export async function startExampleApi(options: ExampleApiOptions): Promise<ExampleApi> {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
  const origins = new Set(options.appOrigins);
  const requestLog: ApiRequestLogEntry[] = [];
  const requiredScope = options.requiredScope ?? 'api:read';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    const send = (status: number, body?: unknown, sub?: string) => {
      requestLog.push({ method: req.method ?? 'GET', path, status, ...(sub ? { sub } : {}) });
      res.statusCode = status;
      if (body === undefined) return void res.end();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      if (origin && origins.has(origin)) {
        res.setHeader('Access-Control-Allow-Methods', 'GET');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      return send(204);
    }
    if (req.method !== 'GET' || path !== '/me') return send(404, { error: 'not_found' });
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="example-api"');
      return send(401, { error: 'unauthorized' });
    }
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
      });
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
  return { url: service.url, requestLog, close: service.close };
}
