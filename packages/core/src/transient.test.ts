import { describe, expect, it } from 'vitest';
import { AbortError } from './errors/abort-error.js';
import { DiscoveryError } from './errors/discovery-error.js';
import { HttpError } from './errors/http-error.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { NetworkError } from './errors/network-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { isTransient } from './transient.js';

const where = 'POST https://auth.example.test/token';
const oauth = (error: string, status: number) => new OAuthError({ error, status }, where);

describe('isTransient: the one rule for every OAuth endpoint', () => {
  it.each([
    ['NetworkError', new NetworkError(where)],
    ['TimeoutError', new TimeoutError(1000, where)],
    ['HTTP 408', new HttpError(408, where)],
    ['HTTP 500', new HttpError(500, where)],
    ['HTTP 503', new HttpError(503, where)],
    ['RateLimitError', new RateLimitError(where, 1000)],
    ['temporarily_unavailable with 400', oauth('temporarily_unavailable', 400)],
    ['server_error with 200', oauth('server_error', 200)],
    ['an unknown OAuth error with 503', oauth('overloaded', 503)],
  ])('retries %s', (_, error) => {
    expect(isTransient(error)).toBe(true);
    if ('transient' in error) expect(error.transient).toBe(true);
  });

  it.each([
    ['HTTP 400', new HttpError(400, where)],
    ['HTTP 404', new HttpError(404, where)],
    ['a redirect', new HttpError(302, where)],
    ['an opaque redirect', new HttpError(0, where)],
    ['invalid_grant with 503', oauth('invalid_grant', 503)],
    ['invalid_client with 500', oauth('invalid_client', 500)],
    ['unsupported_token_type with 503', oauth('unsupported_token_type', 503)],
    ['an unknown OAuth error with 400', oauth('whatever', 400)],
    ['MalformedResponseError', new MalformedResponseError('not_json', 'x', where, 200)],
    ['DiscoveryError', new DiscoveryError('not_found', 'https://a.test', 'x')],
    ['LoginRequiredError', new LoginRequiredError()],
    ['AbortError', new AbortError()],
    ['a plain Error', new Error('boom')],
    ['an Error with a look-alike code but no status', Object.assign(new Error('x'), { code: 'HTTP_ERROR' })],
    ['a string', 'NETWORK_ERROR'],
    ['undefined', undefined],
  ])('does not retry %s', (_, error) => {
    expect(isTransient(error)).toBe(false);
    if (error instanceof HttpError || error instanceof OAuthError) expect(error.transient).toBe(false);
  });

  it('recognises errors of a duplicate copy of @tessera/core by code', () => {
    const foreign = Object.assign(new Error('x'), { name: 'HttpError', code: 'HTTP_ERROR', status: 502 });
    expect(isTransient(foreign)).toBe(true);
  });
});
