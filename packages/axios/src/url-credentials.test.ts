import { failUnhandledRequest } from '@tessera/testing';
import axios from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signedInManagers } from '../test/signed-in-managers.js';
import { attachTokenManager } from './attach-token-manager.js';

// A URL with user info (`https://user:pass@…`) carries credentials of its own, like `config.auth`:
// axios's http adapter sends them as Basic in place of `Authorization`, the fetch adapter refuses the URL.
const origin = 'https://api.example.com';
const withUser = 'https://user:pass@api.example.com';
const tokenUrl = `${origin}/oauth/token`;

let tokenRequests = 0;
const seen: Array<{ authorization: string | null; custom: string | null }> = [];

const server = setupServer(
  http.post(tokenUrl, () => {
    tokenRequests += 1;
    return HttpResponse.json({ access_token: `at-${tokenRequests}`, token_type: 'Bearer', expires_in: 300 });
  }),
  http.get(`${origin}/orders`, ({ request }) => {
    seen.push({
      authorization: request.headers.get('authorization'),
      custom: request.headers.get('x-api-token'),
    });
    return new HttpResponse(null, { status: 401 }); // the user's Basic credentials are wrong
  }),
);

const { manager, disposeAll } = signedInManagers(tokenUrl);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  disposeAll();
  seen.length = 0;
  tokenRequests = 0;
});
afterAll(() => server.close());

describe('attachTokenManager: a URL with user info is left alone, like config.auth', () => {
  it.each([
    ['in url', { url: `${withUser}/orders` }],
    ['in baseURL', { baseURL: withUser, url: '/orders' }],
  ])(
    'with the http adapter (%s): sends the Basic credentials only, and its 401 refreshes nothing',
    async (_, target) => {
      const tokens = await manager();
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const api = axios.create({ baseURL: origin, adapter: 'http' });
      attachTokenManager(api, tokens);
      await expect(api.request(target)).rejects.toMatchObject({ response: { status: 401 } });
      expect(seen).toEqual([{ authorization: `Basic ${btoa('user:pass')}`, custom: null }]);
      expect(invalidate).not.toHaveBeenCalled();
      expect(tokenRequests).toBe(0);
    },
  );

  it('with a custom header and the http adapter: the token does not go beside the Basic credentials', async () => {
    const tokens = await manager();
    const api = axios.create({ baseURL: origin, adapter: 'http' });
    attachTokenManager(api, tokens, { header: 'X-Api-Token', scheme: '' });
    await expect(api.get(`${withUser}/orders`)).rejects.toMatchObject({ response: { status: 401 } });
    expect(seen).toEqual([{ authorization: `Basic ${btoa('user:pass')}`, custom: null }]);
    expect(tokenRequests).toBe(0);
  });
});
