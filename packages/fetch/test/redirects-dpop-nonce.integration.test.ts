import type { TokenManager } from '@tessera/core';
import { createDPoP, DPoPNonceError } from '@tessera/dpop';
import ky from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NonceApi, nonceApi } from '../../dpop/test/nonce-api.js';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { kyHooks } from '../src/ky-hooks.js';
import { withTokens } from '../src/with-tokens.js';

// A nonce challenge from the end of a redirect that Tessera followed is judged against the proof
// that went there (the last hop's), not the first send's. One real server under two allowed
// origins; Node's fetch with redirects followed by withTokens.
const nonces: Record<string, string> = {};
let api: NonceApi;
const managers: TokenManager[] = [];

beforeAll(async () => {
  api = await nonceApi((origin) => nonces[origin] ?? 'unset');
});
afterAll(() => api.server.close());
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.server.seen.length = 0;
});

async function setup() {
  const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
  managers.push(counted.tokens);
  const fetchApi = withTokens(fetch, counted.tokens, { origins: [api.first, api.second] });
  const go = (to: string) =>
    fetchApi(`${api.first}/go?to=${encodeURIComponent(to)}`, { method: 'POST', body: 'payload' });
  return { fetchApi, go, fetchTokens: counted.fetchTokens };
}

describe('withTokens (DPoP): a nonce challenge at the end of a followed redirect', () => {
  it('one deployment, one nonce for both origins: the challenge of the second origin is answered with one replay', async () => {
    nonces[api.first] = 'shared';
    nonces[api.second] = 'shared';
    const { fetchApi, go, fetchTokens } = await setup();
    await fetchApi(`${api.first}/ping`); // the first origin's nonce is now known: 'shared'
    const response = await go(`${api.second}/orders`);
    expect(response.status).toBe(200);
    expect(api.sent()).toEqual([
      ['first', '/ping', undefined],
      ['first', '/go', 'shared'],
      ['second', '/orders', undefined], // the hop's own proof: the second origin's nonce was not known
      ['first', '/go', 'shared'],
      ['second', '/orders', 'shared'],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a challenge repeating the nonce the hop’s proof carried is DPoPNonceError nonce_unchanged: no replay, whatever the first proof carried', async () => {
    nonces[api.first] = 'nonce-a';
    nonces[api.second] = 'nonce-b';
    const { fetchApi, go, fetchTokens } = await setup();
    await fetchApi(`${api.first}/ping`);
    await fetchApi(`${api.second}/ping`);
    const error = await go(`${api.second}/stubborn`).then(
      () => expect.fail('resolved'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DPoPNonceError);
    expect((error as DPoPNonceError).failure).toBe('nonce_unchanged');
    expect(api.sent()).toEqual([
      ['first', '/ping', undefined],
      ['second', '/ping', undefined],
      ['first', '/go', 'nonce-a'],
      ['second', '/stubborn', 'nonce-b'],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('learns the nonce a redirect response carries: the hop’s own proof has it, so no challenge and no replay', async () => {
    nonces[api.first] = 'nonce-a';
    const { go, fetchTokens } = await setup();
    expect((await go(`${api.first}/orders`)).status).toBe(200);
    expect(api.sent()).toEqual([
      ['first', '/go', undefined],
      ['first', '/orders', 'nonce-a'], // from the 307's DPoP-Nonce
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('learns the nonce of the origin that answered: the next direct request there carries it at once', async () => {
    nonces[api.first] = 'nonce-a';
    nonces[api.second] = 'nonce-b';
    const { fetchApi, go } = await setup();
    expect((await go(`${api.second}/ping`)).status).toBe(200);
    expect((await fetchApi(`${api.second}/orders`)).status).toBe(200);
    expect(api.sent()).toEqual([
      ['first', '/go', undefined],
      ['second', '/ping', undefined],
      ['second', '/orders', 'nonce-b'],
    ]);
  });
});

describe('kyHooks (DPoP): a redirect ky’s fetch would follow', () => {
  it('is not followed: the proof (it names the first URL only) never reaches the origin it leads to', async () => {
    nonces[api.first] = 'nonce-a';
    nonces[api.second] = 'nonce-b';
    const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
    managers.push(counted.tokens);
    const client = ky.create({
      hooks: kyHooks(ky, counted.tokens, { origins: [api.first, api.second] }),
      retry: 0,
    });
    await expect(
      client.get(`${api.first}/go`, { searchParams: { to: `${api.second}/ping` } }),
    ).rejects.toThrow(
      TypeError, // fetch's redirect: 'error'
    );
    expect(api.sent()).toEqual([['first', '/go', undefined]]);
    expect(counted.fetchTokens).not.toHaveBeenCalled();
  });

  it('with ky’s redirect: "follow" set by the app, followed by ky’s fetch with the first proof, and the nonce of the origin that answered learned', async () => {
    nonces[api.first] = 'nonce-a';
    nonces[api.second] = 'nonce-b';
    const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
    managers.push(counted.tokens);
    const client = ky.create({
      hooks: kyHooks(ky, counted.tokens, { origins: [api.first, api.second] }),
      redirect: 'follow',
    });
    await client.get(`${api.first}/go`, { searchParams: { to: `${api.second}/ping` } });
    expect((await client.get(`${api.second}/orders`)).status).toBe(200);
    expect(api.sent()).toEqual([
      ['first', '/go', undefined],
      ['second', '/ping', undefined], // followed by undici with the first proof: the app asked for it
      ['second', '/orders', 'nonce-b'], // at once: no challenge, no retry
    ]);
    expect(counted.fetchTokens).not.toHaveBeenCalled();
  });
});
