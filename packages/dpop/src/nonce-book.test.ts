import { describe, expect, it } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';
import { NONCE_BOOK_ORIGINS } from './nonce-book.js';

const NOW = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const dateOf = (ms: number) => new Date(ms).toUTCString();

/** 5,000 origins answer one after another; the API in use (`useApi`) between every 10 of them. */
async function manyOrigins(
  dpop: ReturnType<typeof createDPoP>,
  other: (i: number) => Record<string, string>,
  useApi: () => unknown,
) {
  for (let i = 0; i < 5000; i++) {
    dpop.learn({ url: `https://o${i}.example/x`, status: 401, headers: other(i) });
    if (i % 10 === 9 && i < 4990) await useApi();
  }
}

const proofTo = async (dpop: ReturnType<typeof createDPoP>, url: string) =>
  (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims;

describe('what DPoP remembers per origin', () => {
  it('keeps the nonces of the 100 origins that answered last: 5,000 origins forget the least recent, not the API in use', async () => {
    expect(NONCE_BOOK_ORIGINS).toBe(100);
    const dpop = createDPoP();
    dpop.learn({ url: 'https://api.example/x', status: 200, headers: { 'dpop-nonce': 'api-nonce' } });

    // The API sent its nonce once; the proofs sent to it keep it.
    await manyOrigins(
      dpop,
      (i) => ({ 'dpop-nonce': `n-${i}` }),
      () => dpop.headersFor({ method: 'GET', url: 'https://api.example/x', accessToken: 't' }),
    );

    expect((await proofTo(dpop, 'https://api.example/y')).nonce).toBe('api-nonce');
    expect((await proofTo(dpop, 'https://o4999.example/y')).nonce).toBe('n-4999');
    // The API and the 99 origins that answered last.
    expect((await proofTo(dpop, 'https://o4901.example/y')).nonce).toBe('n-4901');
    expect((await proofTo(dpop, 'https://o4900.example/y')).nonce).toBeUndefined();
    expect((await proofTo(dpop, 'https://o0.example/y')).nonce).toBeUndefined();
    expect((await proofTo(dpop, 'https://o4000.example/y')).nonce).toBeUndefined();
  });

  it('keeps the server clocks of the 100 origins that answered last: a forgotten origin gets the authorization server’s offset (none here)', async () => {
    const dpop = createDPoP({ clock: () => NOW });
    dpop.learn({ url: 'https://old.example/x', status: 401, headers: { date: dateOf(NOW + 10 * MINUTE) } });

    await manyOrigins(
      dpop,
      () => ({ date: dateOf(NOW) }),
      () =>
        dpop.learn({
          url: 'https://api.example/x',
          status: 401,
          headers: { date: dateOf(NOW + 20 * MINUTE) },
        }),
    );

    expect((await proofTo(dpop, 'https://api.example/y')).iat).toBe((NOW + 20 * MINUTE) / 1000);
    expect((await proofTo(dpop, 'https://old.example/y')).iat).toBe(NOW / 1000);
  });

  it.each([
    ['600', 20],
    ['600, 600', 20], // a list (a proxy repeating it): the first member
    ['0', 10],
    ['-600', 10], // not delta-seconds: ignored, never a clock moved back
    ['soon', 10],
    ['0x10', 10],
    ['', 10],
  ])(
    'reads Age %j as RFC 9111 does: after a Date 10 minutes ahead, iat is %i minutes ahead',
    async (age, minutes) => {
      const dpop = createDPoP({ clock: () => NOW });
      dpop.learn({
        url: 'https://api.example/x',
        status: 401,
        headers: { date: dateOf(NOW + 10 * MINUTE), age },
      });

      expect((await proofTo(dpop, 'https://api.example/y')).iat).toBe((NOW + minutes * MINUTE) / 1000);
    },
  );

  it('keeps no nonce a stored copy brings back: a cached 200 with an older Date (Age or not) leaves the newer nonce; fresh answers and challenges still teach theirs', async () => {
    const dpop = createDPoP({ clock: () => NOW });
    const api = 'https://api.example/catalog';
    const nonceTo = async () => (await proofTo(dpop, 'https://api.example/orders')).nonce;
    const answer = (status: number, nonce: string, minutes: number, age?: string) =>
      dpop.learn({
        url: api,
        status,
        headers: { 'dpop-nonce': nonce, date: dateOf(NOW + minutes * MINUTE), ...(age ? { age } : {}) },
      });

    answer(200, 'n-1', 0); // the catalog, stored by the browser: Date 12:00
    answer(200, 'n-2', 10); // a fresh answer, 12:10
    answer(200, 'n-1', 0); // the stored catalog again: no Age (a browser cache)
    expect(await nonceTo()).toBe('n-2');
    answer(200, 'n-1', 0, '600'); // a shared cache's copy: Date plus Age is now, its nonce still 12:00's
    answer(304, 'n-1', 0);
    expect(await nonceTo()).toBe('n-2');
    answer(200, 'n-3', 10); // the same second as the kept one (or a few seconds off): a fresh answer
    expect(await nonceTo()).toBe('n-3');
    answer(200, 'n-4', 11);
    expect(await nonceTo()).toBe('n-4');
    // A challenge is the answer to the proof just sent: its nonce counts whatever its Date says (another
    // instance's clock), so its one replay carries it.
    const challenge = {
      url: api,
      status: 401,
      headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-5', date: dateOf(NOW) },
    };
    expect(dpop.isNonceChallenge(challenge, {})).toBe(true);
    expect(await nonceTo()).toBe('n-5');
    // Without a readable Date (cross-origin, not exposed) nothing can be told: every nonce counts, as before.
    dpop.learn({ url: api, status: 200, headers: { 'dpop-nonce': 'n-6' } });
    expect(await nonceTo()).toBe('n-6');
  });
});
