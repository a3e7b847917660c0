import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  startParityTargets,
  type ParityTarget as Target,
  VERIFIER,
} from './parity-targets.js';
import { claimsOf, postToken } from './token-request.js';

// DPoP over HTTP, against the kit (`dpop: { requireNonce: true }`, a `dpopBoundAccessTokens` client) and against
// the example oidc-provider with DPoP on (nonces required, `dpop_bound_access_tokens`), with proofs signed by hand
// so every answer is seen: the status and OAuth `error` a client sees must be the same.
const APP = 'http://127.0.0.1:5997';
const REDIRECT_URI = `${APP}/callback`;

let parity: Awaited<ReturnType<typeof startParityTargets>>;
let targets: Target[];

beforeAll(async () => {
  parity = await startParityTargets(APP, {
    provider: { dpop: true },
    client: { dpopBoundAccessTokens: true },
    kit: { dpop: { requireNonce: true } },
  });
  targets = parity.targets;
});
afterAll(async () => {
  await parity?.close();
});

type Answer = [status: number, error?: string];

/** A DPoP key: signs a proof for a POST to `htu`, with `nonce` if given. */
async function dpopKey(): Promise<(htu: string, nonce?: string | null) => Promise<string>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return (htu, nonce) =>
    new SignJWT({
      htm: 'POST',
      htu,
      jti: crypto.randomUUID(),
      iat: Math.floor(Date.now() / 1000),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .sign(privateKey);
}

async function endpoints(
  target: Target,
): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  return (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json() as never;
}

async function codeFor(target: Target): Promise<string> {
  const url = await authorizationUrl(target, REDIRECT_URI);
  return new URL(await target.signIn(url.href)).searchParams.get('code') ?? '';
}

interface Sent {
  answer: Answer;
  nonce: string | null;
  body: { refresh_token?: string; access_token?: string; token_type?: string };
}

async function send(target: Target, form: Record<string, string>, proof?: string): Promise<Sent> {
  const { token_endpoint: url } = await endpoints(target);
  const response = await postToken(url, {
    form: { client_id: target.clientId, ...form },
    headers: proof ? { DPoP: proof } : {},
  });
  const body = (await response.json()) as Sent['body'] & { error?: string };
  return {
    answer: body.error === undefined ? [response.status] : [response.status, body.error],
    nonce: response.headers.get('dpop-nonce'),
    body,
  };
}

async function both(scenario: (target: Target) => Promise<unknown[]>): Promise<Record<string, unknown[]>> {
  const answers: Record<string, unknown[]> = {};
  for (const target of targets) answers[target.name] = await scenario(target);
  return answers;
}

describe('the kit answers DPoP like oidc-provider', () => {
  it('nonce challenge, binding, the bound refresh token, a replayed and a bad proof', async () => {
    const answers = await both(async (target) => {
      const { token_endpoint: tokenUrl } = await endpoints(target);
      const prove = await dpopKey();
      const other = await dpopKey();
      const code = await codeFor(target);
      const exchange = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: VERIFIER,
      };

      const noProof = await send(target, exchange);
      const noNonce = await send(target, exchange, await prove(tokenUrl));
      const nonce = noNonce.nonce;
      const signedIn = await send(target, exchange, await prove(tokenUrl, nonce));
      const refresh = { grant_type: 'refresh_token', refresh_token: signedIn.body.refresh_token ?? '' };
      const refreshNoProof = await send(target, refresh);
      const refreshOtherKey = await send(target, refresh, await other(tokenUrl, nonce));
      const refreshProof = await prove(tokenUrl, nonce);
      const refreshed = await send(target, refresh, refreshProof);
      const next = { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token ?? '' };
      const replayed = await send(target, next, refreshProof);
      const badHtu = await send(target, next, await prove(`${tokenUrl}/elsewhere`, nonce));
      const cnf = claimsOf(signedIn.body.access_token ?? '').cnf as { jkt?: string } | undefined;
      return [
        noProof.answer,
        noNonce.answer,
        typeof nonce,
        signedIn.answer,
        signedIn.body.token_type,
        typeof cnf?.jkt,
        refreshNoProof.answer,
        refreshOtherKey.answer,
        refreshed.answer,
        replayed.answer,
        badHtu.answer,
      ];
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_grant'],
      [400, 'use_dpop_nonce'],
      'string',
      [200],
      'DPoP',
      'string',
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
      [200],
      [400, 'invalid_grant'],
      [400, 'invalid_dpop_proof'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });
});
