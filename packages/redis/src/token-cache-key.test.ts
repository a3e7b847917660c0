import { clientCredentials } from '@tessera/node';
import { describe, expect, it } from 'vitest';
import { tokenCacheKey } from './token-cache-key.js';

const tokenUrl = 'https://auth.example.com/oauth/token';

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
    ];
    expect(new Set(keys).size).toBe(keys.length);
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
    expect(credentials.key).toBe(`billing@${tokenUrl}||||region=eu&region=us&tenant=acme`);
    expect(tokenCacheKey({ tokenUrl, clientId: 'billing', params: {} })).toBe(
      tokenCacheKey({ tokenUrl, clientId: 'billing' }),
    );
    credentials.dispose();
  });
});
