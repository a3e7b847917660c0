import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { authServerDefaults, createAuthServer, failUnhandledRequest, type TestUser } from './index.js';

/**
 * Mutation tests of stop 37 (`createAuthServer` copies its `clients` and `users` with `structuredClone`):
 * a deep copy, so changing a user the test passed (not only adding one) leaves the server as created;
 * and the defaults are copied too, so a test that changed `authServerDefaults` (a cast past its
 * `readonly`) does not change the servers already made.
 */
const users: TestUser[] = [{ username: 'alice', password: 'wonderland' }];
const auth = createAuthServer({ users });
const partner = createAuthServer({ issuer: 'https://partner.example.test' });
const server = setupServer(...auth.handlers, ...partner.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  partner.reset();
});
afterAll(() => server.close());

const password = (username: string, secret: string) => ({
  form: { grant_type: 'password', username, password: secret, client_id: 'web' },
});
const statusAndError = async (response: Response) => [response.status, (await response.json()).error];

describe('createAuthServer keeps the users it was given as they were', () => {
  it('a password a test changes in a user it passed does not reach the server: the old one still signs in, the new one is refused', async () => {
    (users[0] as { password: string }).password = 'changed';
    try {
      expect((await postToken(auth.tokenUrl, password('alice', 'wonderland'))).status).toBe(200);
      expect(await statusAndError(await postToken(auth.tokenUrl, password('alice', 'changed')))).toEqual([
        400,
        'invalid_grant',
      ]);
    } finally {
      (users[0] as { password: string }).password = 'wonderland';
    }
  });

  it('a user a test adds to authServerDefaults.users does not reach a server made with the defaults', async () => {
    const defaults = authServerDefaults.users as unknown as TestUser[];
    // Frozen since stop 38: the push throws (s38-frozen-defaults.test.ts), and the server is as made.
    expect(() => defaults.push({ username: 'bob', password: 'builder' })).toThrow(TypeError);
    expect(await statusAndError(await postToken(partner.tokenUrl, password('bob', 'builder')))).toEqual([
      400,
      'invalid_grant',
    ]);
    expect((await postToken(partner.tokenUrl, password('alice', 'wonderland'))).status).toBe(200);
  });
});
