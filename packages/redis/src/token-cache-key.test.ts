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
      // Joined with `@`, both read `a@https://x.test/@https://y.test/token`: the id's `@` is escaped.
      tokenCacheKey({ tokenUrl: 'https://y.test/token', clientId: 'a@https://x.test/' }),
      tokenCacheKey({ tokenUrl: 'https://x.test/@https://y.test/token', clientId: 'a' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps the keys of ordinary ids, endpoints and targets as they were, so an upgrade costs no request', () => {
    expect(
      tokenCacheKey({
        tokenUrl: 'https://auth.example.com/oauth/token?tenant=a&v=2',
        clientId: 'billing-svc_2.eu:prod',
        scope: 'orders:read',
        audience: 'https://orders.internal',
        params: { tenant: 'acme' },
      }),
    ).toBe(
      'billing-svc_2.eu:prod@https://auth.example.com/oauth/token?tenant=a&v=2|orders:read|https://orders.internal||tenant=acme',
    );
  });

  it('can be split back into its parts, and equals the @tessera/node key, for 300 targets full of separators', () => {
    const random = seeded(2026);
    const text = (max: number, min = 0) =>
      Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(random, ALPHABET)).join(
        '',
      );
    const list = (make: () => string) => Array.from({ length: Math.floor(random() * 3) }, make);
    for (let i = 0; i < 300; i += 1) {
      const parts = {
        clientId: text(6, 1),
        tokenUrl: `https://auth.test/${text(6)}`,
        scope: list(() => text(4)),
        audience: list(() => text(4, 1)),
        resource: list(() => `https://r.test/${text(4)}`),
        params: Object.fromEntries(list(() => `p${text(2)}`).map((name) => [name, list(() => text(3))])),
      };
      const key = tokenCacheKey(parts);

      expect(parseKey(key)).toEqual(canonicalParts(parts));
      const { clientId, tokenUrl, params: extraParams, ...target } = parts;
      const credentials = clientCredentials({ tokenUrl, clientId, clientSecret: 's', extraParams });
      expect(credentials.for(target).key).toBe(key);
      credentials.dispose();
    }
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

/** Separators of the key format, escapes of them, and a few ordinary characters. */
const ALPHABET = ['a', 'b', '@', '|', '%', ' ', '%40', '%7C', '=', '&', '+', ':', '/', 'é'];

/** A deterministic generator (mulberry32), so a failure names the same inputs on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

interface Parts {
  clientId: string;
  tokenUrl: string;
  scope: string[];
  audience: string[];
  resource: string[];
  params: Record<string, string[]>;
}

/**
 * The inverse of `tokenCacheKey`: the client id ends at the first `@`, every other part at `|`,
 * list items at a space, and `%` always starts an escape. A key that splits back into its parts
 * names one target only.
 */
function parseKey(key: string): Omit<Parts, 'params'> & { params: string[][] } {
  const at = key.indexOf('@');
  const [tokenUrl = '', scope = '', audience = '', resource = '', ...params] = key.slice(at + 1).split('|');
  expect(params.length).toBeLessThanOrEqual(1);
  const items = (part: string) => (part === '' ? [] : part.split(' ').map(decodeURIComponent));
  return {
    clientId: decodeURIComponent(key.slice(0, at)),
    tokenUrl: decodeURIComponent(tokenUrl),
    scope: items(scope),
    audience: items(audience),
    resource: items(resource),
    params: [...new URLSearchParams(params[0] ?? '')],
  };
}

/** What a key must name: scopes split on whitespace, lists sorted and de-duplicated, parameters by name. */
function canonicalParts(parts: Parts): ReturnType<typeof parseKey> {
  const sorted = (values: string[]) => [...new Set(values.filter((value) => value !== ''))].sort();
  return {
    clientId: parts.clientId,
    tokenUrl: parts.tokenUrl,
    scope: sorted(parts.scope.flatMap((scope) => scope.split(/\s+/))),
    audience: sorted(parts.audience),
    resource: sorted(parts.resource),
    params: Object.keys(parts.params)
      .sort()
      .flatMap((name) => (parts.params[name] ?? []).map((value) => [name, value])),
  };
}
