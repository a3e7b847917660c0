import { failUnhandledRequest } from '@tessera/testing';
import axios from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signedInManagers } from '../test/signed-in-managers.js';
import { attachTokenManager } from './attach-token-manager.js';

// axios's http adapter follows redirects with follow-redirects, which drops `Authorization` when the
// host changes, even where the origin policy would allow the token there.
const origin = 'https://api.example.com';
const files = 'https://files.example.net';
const tokenUrl = `${origin}/oauth/token`;

let tokenRequests = 0;
const seen: Array<[string, string | null]> = [];
const unauthorized = ({ request }: { request: Request }) => {
  seen.push([new URL(request.url).origin, request.headers.get('authorization')]);
  return new HttpResponse(null, { status: 401 });
};

const server = setupServer(
  http.post(tokenUrl, () => {
    tokenRequests += 1;
    return HttpResponse.json({ access_token: `at-${tokenRequests}`, token_type: 'Bearer', expires_in: 300 });
  }),
  http.get(`${origin}/to/:where`, ({ params }) => {
    const to = params.where === 'files' ? files : origin;
    return new HttpResponse(null, { status: 302, headers: { Location: `${to}/report` } });
  }),
  http.get(`${files}/report`, unauthorized),
  http.get(`${origin}/report`, unauthorized),
);

const { manager, disposeAll } = signedInManagers(tokenUrl);
async function setup() {
  const tokens = await manager();
  const invalidate = vi.spyOn(tokens, 'invalidate');
  const api = axios.create({ baseURL: origin, adapter: 'http' });
  attachTokenManager(api, tokens, { origins: [origin, files] });
  return { api, invalidate };
}

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  disposeAll();
  seen.length = 0;
  tokenRequests = 0;
});
afterAll(() => server.close());

describe('attachTokenManager with the http adapter: a redirect to another allowed host', () => {
  it('where follow-redirects dropped Authorization, its 401 invalidates nothing and refreshes nothing', async () => {
    const { api, invalidate } = await setup();
    await expect(api.get('/to/files')).rejects.toMatchObject({ response: { status: 401 } });
    expect(seen).toEqual([[files, null]]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(tokenRequests).toBe(0);
  });

  it('on the same host, where follow-redirects keeps Authorization, its 401 still refreshes once and replays', async () => {
    const { api, invalidate } = await setup();
    await expect(api.get('/to/same')).rejects.toMatchObject({ response: { status: 401 } });
    expect(seen).toEqual([
      [origin, 'Bearer at-0'],
      [origin, 'Bearer at-1'],
    ]);
    expect(invalidate.mock.calls).toEqual([['at-0'], ['at-1']]);
    expect(tokenRequests).toBe(1);
  });
});
