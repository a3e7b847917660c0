import { generateProof, generateKeyPair as generateReferenceKeyPair } from 'dpop';
import { describe, expect, it } from 'vitest';
import { athOf, readProof } from '../test/read-proof.js';
import { generateKeyPair, toKeyMaterial } from './keys/key-material.js';
import { signProof } from './sign-proof.js';

describe('signProof', () => {
  it('produces the same header and claims as the dpop package (panva), plus the iat we choose', async () => {
    const pair = await generateReferenceKeyPair('ES256');
    const key = await toKeyMaterial(pair);
    const iat = Math.floor(Date.now() / 1000);

    const ours = await readProof(
      await signProof(key, { htm: 'GET', htu: 'https://api.example/x', iat, nonce: 'n', accessToken: 'at' }),
    );
    const reference = await readProof(await generateProof(pair, 'https://api.example/x', 'GET', 'n', 'at'));

    expect(ours.header).toEqual(reference.header);
    expect(Object.keys(ours.claims).sort()).toEqual(Object.keys(reference.claims).sort());
    expect({ ...ours.claims, jti: 'x', iat: 0 }).toEqual({ ...reference.claims, jti: 'x', iat: 0 });
    expect(ours.claims.ath).toBe(await athOf('at'));
    expect(ours.jkt).toBe(key.thumbprint);
  });

  it('leaves out nonce and ath when there are none', async () => {
    const key = await toKeyMaterial(await generateKeyPair());
    const { claims } = await readProof(
      await signProof(key, { htm: 'POST', htu: 'https://as.example/token', iat: 1 }),
    );
    expect(Object.keys(claims).sort()).toEqual(['htm', 'htu', 'iat', 'jti']);
  });

  it('signs with a non-extractable key', async () => {
    const pair = await generateKeyPair();
    expect(pair.privateKey.extractable).toBe(false);
    const key = await toKeyMaterial(pair);
    await expect(
      readProof(await signProof(key, { htm: 'GET', htu: 'https://a.example/', iat: 1 })),
    ).resolves.toBeDefined();
  });
});
