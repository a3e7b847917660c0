import { describe, expect, it, vi } from 'vitest';
import { discover } from './discovery/discover.js';
import { DiscoveryError } from './errors/discovery-error.js';
import type { FetchLike } from './fetch-like.js';
import { revokeToken } from './revoke-token.js';
import { requestToken } from './token-endpoint.js';

/** A token endpoint that answers every request with a token; counts what was sent. */
function tokenEndpoint() {
  return vi.fn<FetchLike>(async () => Response.json({ access_token: 'at', token_type: 'Bearer' }));
}

describe('endpoint URLs: the guards of parseEndpointUrl, seen through requestToken', () => {
  it.each([
    ['ftp:', 'ftp://auth.example.test/token'],
    ['ws:', 'ws://auth.example.test/token'],
    ['file:', 'file:///etc/token'],
  ])('refuses a %s token URL without sending anything', async (_, tokenUrl) => {
    const fetch = tokenEndpoint();
    await expect(requestToken({ tokenUrl, grantType: 'client_credentials', fetch })).rejects.toThrow(
      new TypeError(`requestToken: tokenUrl must be an https: URL, not ${new URL(tokenUrl).protocol}`),
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses a token URL with a password and no user name (https://:secret@…), without quoting it', async () => {
    const fetch = tokenEndpoint();
    const error = await requestToken({
      tokenUrl: 'https://:s3cret-pass@auth.example.test/token',
      grantType: 'client_credentials',
      fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('must not contain a user name or password');
    expect((error as Error).message).not.toContain('s3cret-pass');
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    'http://127.0.0.1.evil.test/token',
    'http://127.evil.test/token',
    'http://127.0.0.1.nip.io/token',
    'http://notlocalhost/token',
    'http://evil-localhost/token',
    'http://localhost.evil.test/token',
  ])(
    'refuses http: to %s, a remote host that only looks like loopback, sending nothing',
    async (tokenUrl) => {
      const fetch = tokenEndpoint();
      await expect(requestToken({ tokenUrl, grantType: 'client_credentials', fetch })).rejects.toThrow(
        /uses http: to .*clear text/,
      );
      expect(fetch).not.toHaveBeenCalled();
    },
  );

  it.each([
    'http://localhost/token',
    'http://127.0.0.1:8080/token',
    'http://127.1.2.3/token',
    'http://[::1]/token',
  ])('accepts http: to the loopback host of %s without opting in', async (tokenUrl) => {
    const fetch = tokenEndpoint();
    await requestToken({ tokenUrl, grantType: 'client_credentials', fetch });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('accepts http: to any host with allowInsecureHttp, and sends there once', async () => {
    const fetch = tokenEndpoint();
    const tokens = await requestToken({
      tokenUrl: 'http://auth.internal.test/token',
      grantType: 'client_credentials',
      fetch,
      allowInsecureHttp: true,
    });
    expect(tokens.access_token).toBe('at');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe('http://auth.internal.test/token');
  });

  it('refuses a revocation URL that is not http(s), and one with only a password, sending nothing', async () => {
    const fetch = tokenEndpoint();
    for (const revocationUrl of [
      'ftp://auth.example.test/revoke',
      'https://:pw-secret@auth.example.test/revoke',
    ]) {
      await expect(revokeToken({ revocationUrl, token: 'refresh-token-1', fetch })).rejects.toBeInstanceOf(
        TypeError,
      );
    }
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('discovery: the metadata checks', () => {
  const ISSUER = 'https://id.example.test';
  /** Answers every metadata URL with `document`; a new function each time, so nothing is cached. */
  function metadataServer(document: unknown) {
    return vi.fn<FetchLike>(async () => Response.json(document));
  }

  it('refuses metadata without a token_endpoint with invalid_token_endpoint', async () => {
    const fetch = metadataServer({ issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize` });
    const error = await discover(ISSUER, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).reason).toBe('invalid_token_endpoint');
  });

  it('refuses http: on a host that only looks like loopback for the issuer itself', async () => {
    const fetch = metadataServer({});
    await expect(discover('http://127.0.0.1.evil.test', { fetch })).rejects.toBeInstanceOf(TypeError);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('never quotes the user:password of an issuer a mismatched document names', async () => {
    const fetch = metadataServer({
      issuer: 'https://admin:hunter2-secret@id.example.test',
      token_endpoint: `${ISSUER}/token`,
    });
    const error = await discover(ISSUER, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).reason).toBe('issuer_mismatch');
    expect(JSON.stringify(error)).not.toContain('hunter2-secret');
    expect((error as Error).message).not.toContain('hunter2-secret');
    expect((error as Error).message).toContain('"https://id.example.test"');
  });
});
