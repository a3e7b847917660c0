import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

const MOCK = {
  tokenUrl: 'https://auth.tessera.test/oauth/token',
  clientId: 'web',
  scope: undefined,
  apiUrl: 'https://api.tessera.test/me',
  mock: {
    issuer: 'https://auth.tessera.test',
    apiBaseUrl: 'https://api.tessera.test',
    accessTokenLifetime: 30_000,
  },
};

const REAL = {
  VITE_TOKEN_URL: 'https://id.example.com/oauth2/token',
  VITE_API_URL: 'https://api.example.com/me',
};

/** The mock server's access-token lifetime, in ms, for a page URL query. */
function lifetimeFor(search: string): number | undefined {
  return readConfig(search, {}).mock?.accessTokenLifetime;
}

describe('readConfig', () => {
  it('uses the embedded mock server, client web, no scope and 30 s tokens when nothing is set', () => {
    expect(readConfig('', {})).toEqual(MOCK);
  });

  it("ignores Vite's own variables", () => {
    expect(readConfig('', { MODE: 'production', BASE_URL: '/', DEV: false, PROD: true, SSR: false })).toEqual(
      MOCK,
    );
  });

  it('uses a real server from VITE_TOKEN_URL and VITE_API_URL, without a mock server', () => {
    expect(readConfig('', REAL)).toEqual({
      tokenUrl: 'https://id.example.com/oauth2/token',
      clientId: 'web',
      scope: undefined,
      apiUrl: 'https://api.example.com/me',
      mock: undefined,
    });
  });

  it('ignores ?lifetime when a real server is configured', () => {
    expect(readConfig('?lifetime=5', REAL).mock).toBeUndefined();
  });

  it('refuses VITE_TOKEN_URL without VITE_API_URL, naming both', () => {
    expect(() => readConfig('', { VITE_TOKEN_URL: REAL.VITE_TOKEN_URL })).toThrow(
      new Error('VITE_TOKEN_URL is set but VITE_API_URL is not: set both.'),
    );
    expect(() => readConfig('', { VITE_TOKEN_URL: REAL.VITE_TOKEN_URL, VITE_API_URL: '' })).toThrow(
      'VITE_TOKEN_URL is set but VITE_API_URL is not: set both.',
    );
  });

  it('ignores VITE_API_URL without VITE_TOKEN_URL: the mock server and its API are used', () => {
    expect(readConfig('', { VITE_API_URL: REAL.VITE_API_URL })).toEqual(MOCK);
  });

  it('treats an empty VITE_TOKEN_URL as unset', () => {
    expect(readConfig('', { VITE_TOKEN_URL: '', VITE_API_URL: REAL.VITE_API_URL })).toEqual(MOCK);
  });

  it('takes the client id from VITE_CLIENT_ID, with the mock server or a real one; empty means web', () => {
    expect(readConfig('', { VITE_CLIENT_ID: 'spa' }).clientId).toBe('spa');
    expect(readConfig('', { ...REAL, VITE_CLIENT_ID: 'spa' }).clientId).toBe('spa');
    expect(readConfig('', { VITE_CLIENT_ID: '' }).clientId).toBe('web');
  });

  it('takes the sign-in scopes from VITE_SCOPE, with the mock server or a real one; empty means none', () => {
    expect(readConfig('', { VITE_SCOPE: 'openid offline_access api' }).scope).toBe(
      'openid offline_access api',
    );
    expect(readConfig('', { ...REAL, VITE_SCOPE: 'api' }).scope).toBe('api');
    expect(readConfig('', { VITE_SCOPE: '' }).scope).toBeUndefined();
  });

  it('sets the mock token lifetime from ?lifetime=<seconds>, among other parameters', () => {
    expect(lifetimeFor('?lifetime=5')).toBe(5_000);
    expect(lifetimeFor('?debug=1&lifetime=120')).toBe(120_000);
    expect(lifetimeFor('lifetime=2')).toBe(2_000);
    expect(lifetimeFor('?lifetime=2.5')).toBe(2_500);
    expect(lifetimeFor('?other=7')).toBe(30_000);
  });

  it('raises a lifetime below 2 s to 2 s: the mock server rounds expires_in down to whole seconds', () => {
    expect(lifetimeFor('?lifetime=1')).toBe(2_000);
    expect(lifetimeFor('?lifetime=1.9')).toBe(2_000);
    expect(lifetimeFor('?lifetime=0')).toBe(2_000);
    expect(lifetimeFor('?lifetime=-30')).toBe(2_000);
  });

  it('falls back to 30 s for a lifetime that is not a finite number', () => {
    expect(lifetimeFor('?lifetime=abc')).toBe(30_000);
    expect(lifetimeFor('?lifetime=10s')).toBe(30_000);
    expect(lifetimeFor('?lifetime=Infinity')).toBe(30_000);
  });

  it('reads an empty ?lifetime= as unset: the 30 s default', () => {
    expect(lifetimeFor('?lifetime=')).toBe(30_000);
    expect(lifetimeFor('?lifetime')).toBe(30_000);
  });

  it('uses the first ?lifetime when the query repeats it', () => {
    expect(lifetimeFor('?lifetime=4&lifetime=60')).toBe(4_000);
  });
});
