import type { TokenManager } from '@tessera/core';
import { createDPoP, DPoPNonceError } from '@tessera/dpop';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NonceApi, nonceApi } from '../../dpop/test/nonce-api.js';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { attachTokenManager } from '../src/attach-token-manager.js';

// A nonce challenge from the end of a redirect is judged against the proof that went there (the
// last hop's), and its nonce is learned for the origin that answered. One real server under two
// allowed origins; Node, the fetch adapter (hops followed by the env.fetch wrapper) and the http
// adapter (hops sent through the interceptors, decision 0210).
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

const create112 = axios112.create.bind(axios112) as unknown as typeof axios.create;
/**
 * [name, create, adapter, who follows the hops]: the env.fetch wrapper (axios 1.12's fetch adapter
 * ignores `maxRedirects: 0`), else the interceptors, one request per hop (decision 0210).
 */
const clients = [
  ['the fetch adapter, axios 1.12.0', create112, 'fetch', 'wrapper'],
  ['the fetch adapter, newest axios', axios.create.bind(axios), 'fetch', 'interceptors'],
  ['the http adapter, axios 1.12.0', create112, 'http', 'interceptors'],
  ['the http adapter, newest axios', axios.create.bind(axios), 'http', 'interceptors'],
] as const;

describe.each(clients)(
  'attachTokenManager (DPoP), %s: a nonce challenge at the end of a redirect',
  (_name, create, adapter, follower) => {
    async function setup() {
      const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
      managers.push(counted.tokens);
      const client: AxiosInstance = create({ adapter: adapter as unknown as AxiosAdapter });
      attachTokenManager(client, counted.tokens, { origins: [api.first, api.second] });
      const go = (to: string) => client.post(`${api.first}/go`, 'payload', { params: { to } });
      return { client, go, fetchTokens: counted.fetchTokens };
    }

    it('one deployment, one nonce for both origins: the challenge of the second origin is answered with one replay', async () => {
      nonces[api.first] = 'shared';
      nonces[api.second] = 'shared';
      const { client, go, fetchTokens } = await setup();
      await client.get(`${api.first}/ping`); // the first origin's nonce is now known: 'shared'
      const response = await go(`${api.second}/orders`);
      expect(response.status).toBe(200);
      expect(api.sent()).toEqual([
        ['first', '/ping', undefined],
        ['first', '/go', 'shared'],
        ['second', '/orders', undefined], // the hop's own proof: the second origin's nonce was not known
        // The wrapper's replay is the whole request; a hop the interceptors sent is a request of its own.
        ...(follower === 'wrapper' ? [['first', '/go', 'shared']] : []),
        ['second', '/orders', 'shared'],
      ]);
      expect(fetchTokens).not.toHaveBeenCalled();
    });

    it('a challenge repeating the nonce the hop’s proof carried is DPoPNonceError nonce_unchanged: no replay, whatever the first proof carried', async () => {
      nonces[api.first] = 'nonce-a';
      nonces[api.second] = 'nonce-b';
      const { client, go, fetchTokens } = await setup();
      await client.get(`${api.first}/ping`);
      await client.get(`${api.second}/ping`);
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
      const { client, go } = await setup();
      expect((await go(`${api.second}/ping`)).status).toBe(200);
      expect((await client.get(`${api.second}/orders`)).status).toBe(200);
      expect(api.sent()).toEqual([
        ['first', '/go', undefined],
        ['second', '/ping', undefined],
        ['second', '/orders', 'nonce-b'],
      ]);
    });
  },
);
