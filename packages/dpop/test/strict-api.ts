// A small, strict resource server (node:http) that verifies DPoP the way RFC 9449 §4.3 and §7 ask,
// with jose: proof signature and typ, htm, htu, iat window, jti replay, nonce (its own, rotating),
// ath, and the access token's signature, issuer, audience and cnf.jkt binding.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, EmbeddedJWK, importJWK, type JWK, jwtVerify } from 'jose';

/** Seconds a proof's iat may differ from the API's clock (oidc-provider also allows 300 s; under CI load 1,000 queued requests can wait long). */
export const IAT_WINDOW = 300;

/** Pending connections the API's socket holds: more than the 1,000 concurrent requests of a burst. */
const BURST_BACKLOG = 2048;

export interface StrictApiOptions {
  issuer: string;
  /** Public key of the authorization server's access-token signatures. */
  tokenKey: JWK;
  /** Whether proofs must carry the API's current nonce. @default true */
  requireNonce?: boolean;
  /** The API's clock, epoch ms. @default Date.now */
  now?: () => number;
}

export interface StrictApi {
  /** Base URL, e.g. http://127.0.0.1:1234 — also the audience tokens must be issued for. */
  url: string;
  /** Every request, in arrival order: what was decided, and why. */
  log: { path: string; status: number; reason: string; jti?: string | undefined }[];
  /** jtis of accepted proofs. */
  acceptedJtis: Set<string>;
  /** From now on, rejects this access token with 401 invalid_token (revoked, or rotated keys). */
  revokeToken(token: string): void;
  /** Issues a new nonce; proofs with the old one get a `use_dpop_nonce` challenge. */
  rotateNonce(): void;
  currentNonce(): string;
  stop(): Promise<void>;
}

export async function startStrictApi(options: StrictApiOptions): Promise<StrictApi> {
  const now = options.now ?? Date.now;
  const tokenKey = await importJWK(options.tokenKey, 'ES256');
  const seenJtis = new Set<string>();
  const revoked = new Set<string>();
  const acceptedJtis = new Set<string>();
  const log: StrictApi['log'] = [];
  let nonce = randomBytes(16).toString('base64url');
  const server = createServer();
  // Idle keep-alive connections are the client's to close: a bursting client reusing one never gets
  // an ECONNRESET from the server's idle timer firing late on a loaded machine (decision 0024).
  server.keepAliveTimeout = 0;
  // Room for the 1,000 connections of a burst: with Node's default backlog (511) the kernel drops the
  // SYNs of the rest, and each waits a 1 s (then 3 s, 7 s…) retransmission, past undici's 10 s
  // connect timeout on a loaded machine (decision 0024).
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', BURST_BACKLOG, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const answer = (res: ServerResponse, path: string, status: number, reason: string, jti?: string) => {
    log.push({ path, status, reason, jti });
    res.setHeader('Date', new Date(now()).toUTCString());
    res.setHeader('DPoP-Nonce', nonce);
    if (reason === 'use_dpop_nonce') {
      res.setHeader(
        'WWW-Authenticate',
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      );
    } else if (status === 401) {
      res.setHeader(
        'WWW-Authenticate',
        `DPoP algs="ES256", error="invalid_token", error_description="${reason}"`,
      );
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { ok: true, path } : { error: reason }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', url).pathname;
    const reject = (reason: string) => answer(res, path, 401, reason);
    const authorization = req.headers.authorization ?? '';
    const match = /^DPoP ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match?.[1]) return reject(authorization.startsWith('Bearer ') ? 'bearer_scheme' : 'no_dpop_token');
    const token = match[1];
    const proofs = req.headersDistinct.dpop ?? [];
    if (proofs.length !== 1 || !proofs[0]) return reject('one_proof_required');

    let header: { jwk?: JWK };
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(proofs[0], EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      header = verified.protectedHeader as { jwk?: JWK };
      claims = verified.payload;
    } catch {
      return reject('bad_proof_signature_or_typ');
    }
    if (!header.jwk || 'd' in header.jwk) return reject('private_key_in_proof');
    if (claims.htm !== req.method) return reject('htm');
    if (claims.htu !== `${url}${new URL(req.url ?? '/', url).pathname}`) return reject('htu');
    if (typeof claims.jti !== 'string' || claims.jti.length < 16) return reject('jti');
    if (typeof claims.iat !== 'number' || Math.abs(claims.iat - now() / 1000) > IAT_WINDOW)
      return reject('iat');
    if (options.requireNonce !== false && claims.nonce !== nonce)
      return answer(res, path, 401, 'use_dpop_nonce');
    if (seenJtis.has(claims.jti)) return reject('jti_replayed');
    seenJtis.add(claims.jti);
    if (claims.ath !== createHash('sha256').update(token).digest('base64url')) return reject('ath');

    let cnf: { jkt?: string } | undefined;
    try {
      const { payload } = await jwtVerify(token, tokenKey, {
        issuer: options.issuer,
        audience: url,
        currentDate: new Date(now()),
      });
      cnf = payload.cnf as { jkt?: string } | undefined;
    } catch {
      return reject('bad_access_token');
    }
    if (!cnf?.jkt || cnf.jkt !== (await calculateJwkThumbprint(header.jwk))) return reject('cnf_jkt');
    if (revoked.has(token)) return reject('token_revoked');
    acceptedJtis.add(claims.jti);
    answer(res, path, 200, 'ok', claims.jti);
  };

  server.on('request', (req, res) => {
    handle(req, res).catch(() => answer(res, 'error', 500, 'server_error'));
  });

  return {
    url,
    log,
    acceptedJtis,
    revokeToken: (token) => {
      revoked.add(token);
    },
    rotateNonce: () => {
      nonce = randomBytes(16).toString('base64url');
    },
    currentNonce: () => nonce,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
