import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from './discovery/discover.js';
import { HttpError } from './errors/http-error.js';

// Mutation sweep, stop 36: a lookup made with `allowInsecureHttp` is keyed apart, and dropped under that key.
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

describe('discover with allowInsecureHttp', () => {
  it('does not cache a failed lookup: the next call with the option looks again', async () => {
    const iss = 'http://auth.internal.test';
    let up = false;
    let requests = 0;
    server.use(
      http.get(`${iss}/.well-known/oauth-authorization-server`, () => {
        requests += 1;
        return up
          ? HttpResponse.json({ issuer: iss, token_endpoint: `${iss}/token` })
          : new HttpResponse('down', { status: 503 });
      }),
    );

    await expect(discover(iss, { allowInsecureHttp: true })).rejects.toBeInstanceOf(HttpError);
    up = true;
    expect((await discover(iss, { allowInsecureHttp: true })).token_endpoint).toBe(`${iss}/token`);
    expect(requests).toBe(2);
  });
});
