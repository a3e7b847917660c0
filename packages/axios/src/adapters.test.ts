import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signedInManagers } from '../test/signed-in-managers.js';
import { attachTokenManager } from './attach-token-manager.js';

// The token endpoint shares the API's origin on purpose: the interceptor must still never see it.
const origin = 'https://api.example.com';
const tokenUrl = `${origin}/oauth/token`;

let issued = 0;
let valid = 'at-0';
const tokenRequestAuth: Array<string | null> = [];
const apiAuth: Array<string | null> = [];
const evilAuth: Array<string | null> = [];

const server = setupServer(
  http.post(tokenUrl, ({ request }) => {
    issued += 1;
    valid = `at-${issued}`;
    tokenRequestAuth.push(request.headers.get('authorization'));
    return HttpResponse.json({ access_token: valid, token_type: 'Bearer', expires_in: 300 });
  }),
  http.get(`${origin}/orders`, ({ request }) => {
    const authorization = request.headers.get('authorization');
    apiAuth.push(authorization);
    return authorization === `Bearer ${valid}`
      ? HttpResponse.json({ ok: true })
      : new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
  }),
  http.get(
    `${origin}/moved`,
    () => new HttpResponse(null, { status: 302, headers: { Location: 'https://evil.test/x' } }),
  ),
  ...['https://evil.test/*', 'https://api.example.com.evil.test/*'].map((pattern) =>
    http.get(pattern, ({ request }) => {
      evilAuth.push(request.headers.get('authorization'));
      return HttpResponse.json({ ok: true });
    }),
  ),
);

const { manager, disposeAll } = signedInManagers(tokenUrl);

/** Records every URL the request interceptors of `instance` see; `stop()` ejects the spy. */
function spyOnRequests(instance: AxiosInstance): { seen: string[]; stop: () => void } {
  const seen: string[] = [];
  const id = instance.interceptors.request.use((config) => {
    seen.push(instance.getUri(config));
    return config;
  });
  return { seen, stop: () => instance.interceptors.request.eject(id) };
}

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  disposeAll();
  for (const list of [tokenRequestAuth, apiAuth, evilAuth]) list.length = 0;
  [issued, valid] = [0, 'at-0'];
});
afterAll(() => server.close());

describe.each(['fetch', 'http'] as const)('with the %s adapter (msw)', (adapter) => {
  it('sends the token, and on a 401 refreshes once and replays, without intercepting the token request', async () => {
    const tokens = await manager();
    const api = axios.create({ baseURL: origin, adapter });
    const { seen } = spyOnRequests(api);
    attachTokenManager(api, tokens);

    await expect(api.get('/orders')).resolves.toMatchObject({ status: 200 });
    valid = 'revoked';
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.get('/orders')));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(issued).toBe(1);
    expect(apiAuth.filter((value) => value === 'Bearer at-0')).toHaveLength(51);
    expect(apiAuth.filter((value) => value === 'Bearer at-1')).toHaveLength(50);
    expect(seen).toHaveLength(101);
    expect(seen.every((url) => url === `${origin}/orders`)).toBe(true);
    expect(tokenRequestAuth).toEqual([null]);
  });

  it('sends no token to another origin, a look-alike host or a URL with the origin in its query', async () => {
    const tokens = await manager();
    const api = axios.create({ baseURL: origin, adapter });
    attachTokenManager(api, tokens);
    await api.get('https://evil.test/other');
    await api.get('https://api.example.com.evil.test/orders');
    await api.get(`https://evil.test/?next=${origin}/orders`);
    await api.get(`https://evil.test/${origin}/orders`);
    expect(evilAuth).toEqual([null, null, null, null]);
  });

  it('sends no token where an interceptor that runs after ours replaced transformRequest and moved the request', async () => {
    const tokens = await manager();
    const api = axios.create({ baseURL: origin, adapter });
    api.interceptors.request.use((config) => {
      config.transformRequest = [(data) => data];
      config.url = 'https://evil.test/other';
      return config;
    });
    attachTokenManager(api, tokens);
    await api.get('/orders');
    expect(evilAuth).toEqual([null]);
    expect(apiAuth).toEqual([]);
    expect(issued).toBe(0);
  });

  it('hands a 401 your validateStatus accepts to you as it is: no invalidate, no refresh, no replay', async () => {
    const tokens = await manager();
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const api = axios.create({ baseURL: origin, adapter, validateStatus: (status) => status < 500 });
    attachTokenManager(api, tokens);
    valid = 'revoked';
    await expect(api.get('/orders')).resolves.toMatchObject({ status: 401 });
    expect(apiAuth).toEqual(['Bearer at-0']);
    expect(invalidate).not.toHaveBeenCalled();
    expect(issued).toBe(0);
  });

  it('a response interceptor of yours registered before attaching, which resolves a 401, keeps it from a refresh; one registered after sees the replay', async () => {
    const tokens = await manager();
    const before = axios.create({ baseURL: origin, adapter });
    before.interceptors.response.use(undefined, (error: AxiosError) => ({ handled: error.response?.status }));
    attachTokenManager(before, tokens);
    valid = 'revoked';
    await expect(before.get('/orders')).resolves.toEqual({ handled: 401 });
    expect([apiAuth, issued]).toEqual([['Bearer at-0'], 0]);

    const after = axios.create({ baseURL: origin, adapter });
    attachTokenManager(after, tokens);
    const seen: unknown[] = [];
    after.interceptors.response.use(
      (response) => {
        seen.push(response.status);
        return response;
      },
      (error: AxiosError) => {
        seen.push(error.response?.status);
        throw error;
      },
    );
    await expect(after.get('/orders')).resolves.toMatchObject({ status: 200 });
    expect(apiAuth).toEqual(['Bearer at-0', 'Bearer at-0', 'Bearer at-1']);
    expect(issued).toBe(1);
    expect(seen).toEqual([200, 200]); // the replay's own pass through the chain, then the outer one
  });
});

describe('token requests and redirects', () => {
  it('never runs an interceptor attached to axios’s default instance for a token request', async () => {
    const tokens = await manager();
    const { seen, stop } = spyOnRequests(axios);
    const detach = attachTokenManager(axios, tokens, { origins: origin });
    try {
      valid = 'revoked';
      await expect(axios.get(`${origin}/orders`)).resolves.toMatchObject({ status: 200 });
    } finally {
      detach();
      stop();
    }
    expect(issued).toBe(1);
    expect(seen).toEqual([`${origin}/orders`, `${origin}/orders`]);
  });

  it('drops Authorization when the http adapter follows a redirect to another origin', async () => {
    const tokens = await manager();
    const api = axios.create({ baseURL: origin, adapter: 'http' });
    attachTokenManager(api, tokens);
    await expect(api.get('/moved')).resolves.toMatchObject({ status: 200 });
    expect(evilAuth).toEqual([null]);
  });
});
