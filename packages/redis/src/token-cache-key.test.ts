import { createHash } from 'node:crypto';
import { tokenTargetKey } from '@tessera/core';
import { clientCredentials } from '@tessera/node';
import { describe, expect, it, vi } from 'vitest';
import { tokenCacheKey } from './token-cache-key.js';

// The real function, watched: one implementation of the key format serves both packages (decision 0406).
vi.mock('@tessera/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@tessera/core')>();
  return { ...core, tokenTargetKey: vi.fn(core.tokenTargetKey) };
});
const shared = vi.mocked(tokenTargetKey);

const tokenUrl = 'https://auth.example.com/oauth/token';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

describe('tokenCacheKey', () => {
  it('names the same token whatever the order or repetition of scopes, audiences and resources', () => {
    const key = tokenCacheKey({ tokenUrl, clientId: 'billing', scope: 'write read', audience: ['b', 'a'] });
    expect(key).toBe('billing@https://auth.example.com/oauth/token|read write|a b|');
    expect(
      tokenCacheKey({
        tokenUrl,
        clientId: 'billing',
        scope: ['read', 'write', 'read'],
        audience: ['a', 'b'],
      }),
    ).toBe(key);
  });

  it('gives different targets different keys, even when a part contains a separator', () => {
    const keys = [
      tokenCacheKey({ tokenUrl, clientId: 'billing' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', scope: 'read' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', audience: 'read' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', resource: 'https://read' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing|read' }),
      tokenCacheKey({ tokenUrl: `${tokenUrl}2`, clientId: 'billing' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', audience: 'a b' }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', audience: ['a', 'b'] }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', params: { tenant: 'acme' } }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', params: { tenant: 'globex' } }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', params: { tenant: 'acme|' } }),
      tokenCacheKey({ tokenUrl, clientId: 'billing', params: { tenant: ['acme', 'globex'] } }),
      // Joined with `@`, both read `a@https://x.test/@https://y.test/token`: the id's `@` is escaped.
      tokenCacheKey({ tokenUrl: 'https://y.test/token', clientId: 'a@https://x.test/' }),
      tokenCacheKey({ tokenUrl: 'https://x.test/@https://y.test/token', clientId: 'a' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps the keys of ordinary ids, endpoints and targets as they were, so an upgrade costs no request', () => {
    expect(
      tokenCacheKey({
        tokenUrl: 'https://auth.example.com/oauth/token',
        clientId: 'billing-svc_2.eu:prod',
        scope: 'orders:read',
        audience: 'https://orders.internal',
      }),
    ).toBe('billing-svc_2.eu:prod@https://auth.example.com/oauth/token|orders:read|https://orders.internal|');
  });

  it('names params and an endpoint query or user info only by a SHA-256 of the full key, never as they are', () => {
    const parts = {
      tokenUrl: 'https://user:pw-9f2c@auth.example.com/oauth/token?api_key=qk-51d0#f',
      clientId: 'billing',
      scope: 'orders:read',
      params: { api_key: 'pk-77e1', tenant: 'acme' },
    };
    const full =
      'billing@https://user:pw-9f2c@auth.example.com/oauth/token?api_key=qk-51d0#f|orders:read|||api_key=pk-77e1&tenant=acme';
    const key = tokenCacheKey(parts);

    expect(key).toBe(`billing@https://auth.example.com/oauth/token|orders:read|||#${sha256(full)}`);
    for (const secret of ['pw-9f2c', 'qk-51d0', 'pk-77e1', 'acme']) expect(key).not.toContain(secret);
    // Same parameters in another order: the same key. Each part changed alone: another key.
    expect(tokenCacheKey({ ...parts, params: { tenant: 'acme', api_key: 'pk-77e1' } })).toBe(key);
    const others = [
      { ...parts, params: { api_key: 'pk-77e2', tenant: 'acme' } },
      { ...parts, params: { tenant: 'acme' } },
      { ...parts, params: {} },
      { ...parts, tokenUrl: 'https://user:pw-9f2c@auth.example.com/oauth/token?api_key=qk-51d1#f' },
      { ...parts, tokenUrl: 'https://auth.example.com/oauth/token?api_key=qk-51d0#f' },
      { ...parts, tokenUrl: 'https://auth.example.com/oauth/token' },
      { ...parts, scope: 'orders:write' },
    ];
    expect(new Set([key, ...others.map((other) => tokenCacheKey(other))]).size).toBe(others.length + 1);
    // An undigested key whose resource looks like a digest stays another key.
    expect(
      tokenCacheKey({
        tokenUrl: 'https://auth.example.com/oauth/token',
        clientId: 'billing',
        resource: key.slice(-44),
      }),
    ).not.toBe(key);
  });

  it('is built by tokenTargetKey of @tessera/core, the function @tessera/node builds its keys with', () => {
    const parts = {
      tokenUrl,
      clientId: 'a@b|c',
      scope: 'y x',
      audience: ['b', 'a'],
      params: { tenant: 'acme' },
    };
    shared.mockClear();
    const key = tokenCacheKey(parts);

    expect(shared).toHaveBeenCalledTimes(1);
    expect(shared).toHaveBeenLastCalledWith(parts, expect.any(Function));
    expect(shared).toHaveLastReturnedWith(key);

    shared.mockClear();
    const { params: extraParams, ...options } = parts;
    const credentials = clientCredentials({ ...options, clientSecret: 's', extraParams });

    expect(shared).toHaveBeenCalledTimes(1);
    expect(shared).toHaveLastReturnedWith(key);
    expect(credentials.key).toBe(key);
    credentials.dispose();
  });

  it('equals the TokenManager key @tessera/node gives the same target', () => {
    const credentials = clientCredentials({ tokenUrl, clientId: 'billing', clientSecret: 's' });
    const target = { scope: 'b a', audience: ['y', 'x'], resource: 'https://orders.internal' };
    expect(tokenCacheKey({ tokenUrl, clientId: 'billing', ...target })).toBe(credentials.for(target).key);
    expect(tokenCacheKey({ tokenUrl: new URL(tokenUrl), clientId: 'billing' })).toBe(credentials.key);
    credentials.dispose();
  });

  it('equals the key @tessera/node gives a client with extraParams, so tenants never share a token', () => {
    const extraParams = { tenant: 'acme', region: ['eu', 'us'] };
    const credentials = clientCredentials({ tokenUrl, clientId: 'billing', clientSecret: 's', extraParams });
    const target = { scope: 'read', audience: 'orders' };

    expect(tokenCacheKey({ tokenUrl, clientId: 'billing', ...target, params: extraParams })).toBe(
      credentials.for(target).key,
    );
    expect(credentials.key).toBe(
      `billing@${tokenUrl}||||#${sha256(`billing@${tokenUrl}||||region=eu&region=us&tenant=acme`)}`,
    );
    expect(tokenCacheKey({ tokenUrl, clientId: 'billing', params: {} })).toBe(
      tokenCacheKey({ tokenUrl, clientId: 'billing' }),
    );
    credentials.dispose();
  });

  it('names alike targets that differ only by a lone surrogate or U+FFFD: their token requests are byte for byte the same', async () => {
    const sent: string[] = [];
    const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      sent.push(`${new Headers(init?.headers).get('authorization')} ${String(init?.body)}`);
      return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 });
    };
    const keys = await Promise.all(
      ['\uD800', '\uDC00', '\uFFFD'].map(async (odd) => {
        const parts = { tokenUrl: 'https://auth.example.com/token', clientId: `billing${odd}` };
        const target = { scope: `read${odd}`, audience: `orders${odd}` };
        const credentials = clientCredentials({
          ...parts,
          clientSecret: 's',
          extraParams: { t: odd },
          fetch,
        });
        await credentials.for(target).getAccessToken();
        credentials.dispose();
        // The Redis key as node-redis sends it: UTF-8, where each of the three is EF BF BD.
        return Buffer.from(`tessera:tokens:${tokenCacheKey({ ...parts, ...target, params: { t: odd } })}`);
      }),
    );
    // Form encoding and URLs (WHATWG) send U+FFFD for a lone surrogate: one token for the three.
    expect(new Set(sent).size).toBe(1);
    expect(sent).toHaveLength(3);
    expect(keys[0]).toEqual(keys[1]);
    expect(keys[0]).toEqual(keys[2]);
  });
});
