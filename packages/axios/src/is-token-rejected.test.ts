import { AxiosError, AxiosHeaders, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { isTokenRejected } from './is-token-rejected.js';

function rejection(status: number, headers: Record<string, string> | AxiosHeaders = {}): AxiosError {
  const config = { headers: new AxiosHeaders() } as InternalAxiosRequestConfig;
  return new AxiosError(
    'Request failed',
    'ERR_BAD_REQUEST',
    config,
    {},
    {
      status,
      statusText: '',
      headers,
      config,
      data: undefined,
    },
  );
}

describe('isTokenRejected (the default shouldRefresh)', () => {
  it('accepts a 401 without WWW-Authenticate (or with one CORS hides)', () => {
    expect(isTokenRejected(rejection(401))).toBe(true);
  });

  it('accepts a 401 whose Bearer challenge says invalid_token or names no error', () => {
    const invalid = new AxiosHeaders({ 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    expect(isTokenRejected(rejection(401, invalid))).toBe(true);
    expect(isTokenRejected(rejection(401, { 'www-authenticate': 'Bearer realm="api"' }))).toBe(true);
  });

  it('refuses a 401 whose Bearer challenge names another error', () => {
    const scope = { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' };
    const request = new AxiosHeaders({
      'WWW-Authenticate': 'Basic realm="x", Bearer error="invalid_request"',
    });
    expect(isTokenRejected(rejection(401, scope))).toBe(false);
    expect(isTokenRejected(rejection(401, request))).toBe(false);
  });

  it('refuses a 401 whose challenges are all for another scheme than the one the token went with', () => {
    expect(isTokenRejected(rejection(401, { 'WWW-Authenticate': 'Basic realm="x"' }))).toBe(false);
    const dpopOnly = { 'WWW-Authenticate': 'DPoP error="invalid_token"' };
    expect(isTokenRejected(rejection(401, dpopOnly), 'Bearer')).toBe(false);
    expect(isTokenRejected(rejection(401, dpopOnly), 'DPoP')).toBe(true);
  });

  it('refuses every other status, and errors without a response', () => {
    for (const status of [400, 403, 404, 419, 500]) expect(isTokenRejected(rejection(status))).toBe(false);
    expect(isTokenRejected(new AxiosError('Network Error', 'ERR_NETWORK'))).toBe(false);
  });
});
