import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

const MOCK = {
  apiUrl: 'https://api.tessera.test/me',
  mock: {
    issuer: 'https://auth.tessera.test',
    apiBaseUrl: 'https://api.tessera.test',
    tokenUrl: 'https://auth.tessera.test/oauth/token',
    clientId: 'web',
    accessTokenLifetime: 30_000,
  },
  oidc: undefined,
};

const PROVIDER = { VITE_ISSUER: 'http://127.0.0.1:4400', VITE_API_URL: 'http://127.0.0.1:4401/me' };

/** The mock server's access-token lifetime, in ms, for a page URL query. */
function lifetimeFor(search: string): number | undefined {
  return readConfig(search, {}).mock?.accessTokenLifetime;
}

describe('readConfig', () => {
  it('uses the embedded mock server, client web and 30 s tokens when nothing is set', () => {
    expect(readConfig('', {})).toEqual(MOCK);
  });

  it("ignores Vite's own variables", () => {
    expect(readConfig('', { MODE: 'production', BASE_URL: '/', DEV: false, PROD: true, SSR: false })).toEqual(
      MOCK,
    );
  });

  it('signs in at the identity provider of VITE_ISSUER, client tessera-spa, with the API scope by default', () => {
    expect(readConfig('', PROVIDER)).toEqual({
      apiUrl: 'http://127.0.0.1:4401/me',
      mock: undefined,
      oidc: {
        issuer: 'http://127.0.0.1:4400',
        clientId: 'tessera-spa',
        scope: 'openid profile email api:read',
        dpop: false,
      },
    });
  });

  it('turns DPoP on with VITE_DPOP=1 only', () => {
    expect(readConfig('', { ...PROVIDER, VITE_DPOP: '1' }).oidc?.dpop).toBe(true);
    expect(readConfig('', PROVIDER).oidc?.dpop).toBe(false);
    for (const value of ['', '0', 'true', 'yes']) {
      expect(readConfig('', { ...PROVIDER, VITE_DPOP: value }).oidc?.dpop).toBe(false);
    }
    expect(readConfig('?mock', { ...PROVIDER, VITE_DPOP: '1', DEV: true }).oidc).toBeUndefined();
  });

  it('takes the client id and the scopes from VITE_CLIENT_ID and VITE_SCOPE; empty means the default', () => {
    expect(readConfig('', { ...PROVIDER, VITE_CLIENT_ID: 'spa', VITE_SCOPE: 'openid' }).oidc).toMatchObject({
      clientId: 'spa',
      scope: 'openid',
    });
    expect(readConfig('', { ...PROVIDER, VITE_CLIENT_ID: '', VITE_SCOPE: '' }).oidc).toMatchObject({
      clientId: 'tessera-spa',
      scope: 'openid profile email api:read',
    });
  });

  it('uses the mock server with ?mock on the dev server even when an identity provider is configured', () => {
    expect(readConfig('?mock', { ...PROVIDER, DEV: true })).toEqual(MOCK);
    expect(readConfig('?lifetime=5&mock=1', { ...PROVIDER, DEV: true }).mock?.accessTokenLifetime).toBe(
      5_000,
    );
  });

  it('ignores ?mock in a build for an identity provider: a link cannot swap the real sign-in for the mock password form', () => {
    for (const env of [{ ...PROVIDER, DEV: false }, PROVIDER]) {
      expect(readConfig('?mock', env)).toMatchObject({
        mock: undefined,
        oidc: { issuer: PROVIDER.VITE_ISSUER },
      });
    }
  });

  it('refuses VITE_ISSUER without VITE_API_URL, naming both', () => {
    expect(() => readConfig('', { VITE_ISSUER: PROVIDER.VITE_ISSUER })).toThrow(
      'VITE_ISSUER is set but VITE_API_URL is not: set both.',
    );
  });

  it('ignores VITE_API_URL without VITE_ISSUER, and an empty VITE_ISSUER: the mock server and its API are used', () => {
    expect(readConfig('', { VITE_API_URL: PROVIDER.VITE_API_URL })).toEqual(MOCK);
    expect(readConfig('', { ...PROVIDER, VITE_ISSUER: '' })).toEqual(MOCK);
  });

  it('ignores ?lifetime with an identity provider', () => {
    expect(readConfig('?lifetime=5', PROVIDER).mock).toBeUndefined();
  });

  it('sets the mock token lifetime from ?lifetime=<seconds>, among other parameters', () => {
    expect(lifetimeFor('?lifetime=5')).toBe(5_000);
    expect(lifetimeFor('?debug=1&lifetime=12&x=y')).toBe(12_000);
  });

  it('raises a lifetime below 2 s to 2 s: the mock server rounds expires_in down to whole seconds', () => {
    expect(lifetimeFor('?lifetime=1')).toBe(2_000);
    expect(lifetimeFor('?lifetime=0.5')).toBe(2_000);
    expect(lifetimeFor('?lifetime=-3')).toBe(2_000);
  });

  it('falls back to 30 s for a lifetime that is not a finite number', () => {
    expect(lifetimeFor('?lifetime=soon')).toBe(30_000);
    expect(lifetimeFor('?lifetime=Infinity')).toBe(30_000);
  });

  it('reads an empty ?lifetime= as unset: the 30 s default', () => {
    expect(lifetimeFor('?lifetime=')).toBe(30_000);
  });

  it('uses the first ?lifetime when the query repeats it', () => {
    expect(lifetimeFor('?lifetime=4&lifetime=9')).toBe(4_000);
  });
});
