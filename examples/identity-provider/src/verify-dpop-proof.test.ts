import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyDPoPProof } from './verify-dpop-proof.js';

const NOW = 1_800_000_000_000;
const URL_ME = 'http://127.0.0.1:4401/me';
const TOKEN = 'header.payload.signature';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

async function proof(
  key: Awaited<ReturnType<typeof keyPair>>,
  claims: Record<string, unknown> = {},
  typ = 'dpop+jwt',
): Promise<string> {
  return new SignJWT({
    htm: 'GET',
    htu: URL_ME,
    iat: NOW / 1000,
    jti: crypto.randomUUID(),
    ath: ath(TOKEN),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ, jwk: key.jwk })
    .sign(key.privateKey);
}

describe('verifyDPoPProof', () => {
  const check = (dpop: string | undefined, jkt: string, seen = new Set<string>(), accessToken = TOKEN) =>
    verifyDPoPProof({ method: 'GET', url: URL_ME, accessToken, proof: dpop, jkt }, seen, () => NOW);

  it('accepts a proof for this request, this token and the key the token is bound to', async () => {
    const key = await keyPair();
    expect(await check(await proof(key, { jti: 'a' }), key.jkt)).toEqual({ ok: true, jti: 'a' });
  });

  it('refuses a replayed proof (same jti), even for the same request', async () => {
    const key = await keyPair();
    const seen = new Set<string>();
    const once = await proof(key);
    expect((await check(once, key.jkt, seen)).ok).toBe(true);
    expect(await check(once, key.jkt, seen)).toEqual({ ok: false, reason: 'jti replayed' });
  });

  it('refuses a token presented with a proof of another key (a thief with its own key)', async () => {
    const [owner, thief] = await Promise.all([keyPair(), keyPair()]);
    expect(await check(await proof(thief), owner.jkt)).toEqual({ ok: false, reason: 'cnf.jkt' });
  });

  it.each([
    ['htm', { htm: 'POST' }],
    ['htu', { htu: 'http://127.0.0.1:4401/other' }],
    ['htu', { htu: `${URL_ME}?q=1` }],
    ['iat', { iat: NOW / 1000 - 61 }],
    ['iat', { iat: NOW / 1000 + 61 }],
    ['ath', { ath: ath('another.token.value') }],
    ['ath', { ath: undefined }],
    ['jti', { jti: '' }],
  ])('refuses a proof with a wrong %s', async (reason, claims) => {
    const key = await keyPair();
    expect(await check(await proof(key, claims), key.jkt)).toEqual({ ok: false, reason });
  });

  it('asks for the nonce when one is required: missing or stale proofs get use_dpop_nonce, the current one passes', async () => {
    const key = await keyPair();
    const withNonce = async (claims: Record<string, unknown>) =>
      verifyDPoPProof(
        {
          method: 'GET',
          url: URL_ME,
          accessToken: TOKEN,
          proof: await proof(key, claims),
          jkt: key.jkt,
          nonce: 'n-2',
        },
        new Set(),
        () => NOW,
      );
    expect(await withNonce({})).toEqual({ ok: false, reason: 'nonce missing', challenge: 'use_dpop_nonce' });
    expect(await withNonce({ nonce: 'n-1' })).toEqual({
      ok: false,
      reason: 'nonce stale',
      challenge: 'use_dpop_nonce',
    });
    expect(await withNonce({ nonce: 2 })).toMatchObject({ ok: false, challenge: 'use_dpop_nonce' });
    expect(await withNonce({ nonce: 'n-2', jti: 'c' })).toEqual({ ok: true, jti: 'c' });
    // The nonce is no excuse for the rest: a wrong ath with the current nonce is still refused.
    expect(await withNonce({ nonce: 'n-2', ath: ath('another.token.value') })).toEqual({
      ok: false,
      reason: 'ath',
    });
  });

  it('checks the nonce after the request claims: a proof for another URL or time is refused for that, not asked for a nonce', async () => {
    const key = await keyPair();
    const check = async (claims: Record<string, unknown>) =>
      verifyDPoPProof(
        {
          method: 'GET',
          url: URL_ME,
          accessToken: TOKEN,
          proof: await proof(key, claims),
          jkt: key.jkt,
          nonce: 'n',
        },
        new Set(),
        () => NOW,
      );
    expect(await check({ htu: 'http://127.0.0.1:4401/other' })).toEqual({ ok: false, reason: 'htu' });
    expect(await check({ iat: NOW / 1000 - 61 })).toEqual({ ok: false, reason: 'iat' });
  });

  it('refuses no proof, a tampered proof, a wrong typ, a malformed iat and an HMAC proof', async () => {
    const key = await keyPair();
    expect(await check(undefined, key.jkt)).toEqual({ ok: false, reason: 'no DPoP header' });
    const [header, payload, signature] = (await proof(key)).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), htm: 'DELETE' }),
    ).toString('base64url');
    expect(await check(`${header}.${forged}.${signature}`, key.jkt)).toEqual({
      ok: false,
      reason: 'not a valid ES256 dpop+jwt',
    });
    expect(await check(await proof(key, {}, 'JWT'), key.jkt)).toEqual({
      ok: false,
      reason: 'not a valid ES256 dpop+jwt',
    });
    expect(await check(await proof(key, { iat: 'now' }), key.jkt)).toEqual({
      ok: false,
      reason: 'not a valid ES256 dpop+jwt',
    });
    const hmac = await new SignJWT({ htm: 'GET', htu: URL_ME, iat: NOW / 1000, jti: 'h', ath: ath(TOKEN) })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(new TextEncoder().encode('secret'));
    expect(await check(hmac, key.jkt)).toEqual({ ok: false, reason: 'not a valid ES256 dpop+jwt' });
  });
});
