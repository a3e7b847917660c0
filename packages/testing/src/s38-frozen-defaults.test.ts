import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { authServerDefaults, createAuthServer, failUnhandledRequest } from './index.js';

// A test file is an ES module: strict mode, where assigning to a frozen object throws.
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => server.close());

type Loose = Record<string, unknown> & {
  clients: Record<string, unknown>[];
  users: Record<string, unknown>[];
};
const defaults = authServerDefaults as unknown as Loose;

describe('authServerDefaults cannot be changed by a test, at any depth', () => {
  it('throws a TypeError for an assignment to it, to a nested client or user, and for a push to its arrays', () => {
    expect(() => {
      defaults.issuer = 'https://changed.example.test';
    }).toThrow(TypeError);
    expect(() => {
      defaults.rotateRefreshTokens = false;
    }).toThrow(TypeError);
    expect(() => {
      (defaults.clients[1] as Record<string, unknown>).clientSecret = 'changed-secret';
    }).toThrow(TypeError);
    expect(() => {
      (defaults.users[0] as Record<string, unknown>).password = 'changed-password';
    }).toThrow(TypeError);
    expect(() => defaults.users.push({ username: 'mallory', password: 'mallory-password' })).toThrow(
      TypeError,
    );
    expect(authServerDefaults.issuer).toBe('https://auth.example.test');
    expect(authServerDefaults.clients).toEqual([
      { clientId: 'web' },
      { clientId: 'service', clientSecret: 'service-secret' },
    ]);
    expect(authServerDefaults.users).toEqual([{ username: 'alice', password: 'wonderland' }]);
  });

  it('leaves the next server made with the defaults as documented after a test tried to change them', async () => {
    try {
      (defaults.clients[1] as Record<string, unknown>).clientSecret = 'changed-secret';
    } catch {}
    try {
      defaults.issuer = 'https://changed.example.test';
    } catch {}
    const auth = createAuthServer();
    server.use(...auth.handlers);
    expect(auth.issuer).toBe('https://auth.example.test');
    const grant = { form: { grant_type: 'client_credentials' } };
    const ok = await postToken(auth.tokenUrl, { ...grant, basic: ['service', 'service-secret'] });
    expect(ok.status).toBe(200);
    const changed = await postToken(auth.tokenUrl, { ...grant, basic: ['service', 'changed-secret'] });
    expect([changed.status, (await changed.json()).error]).toEqual([401, 'invalid_client']);
  });
});
