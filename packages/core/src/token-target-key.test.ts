import { describe, expect, it } from 'vitest';
import { canonicalTarget, type TokenTargetKeyParts, tokenTargetKey } from './token-target-key.js';

const tokenUrl = 'https://auth.example.com/token';

describe('canonicalTarget', () => {
  it('splits, sorts and de-duplicates scopes, audiences and resources, and drops empty ones', () => {
    expect(
      canonicalTarget({ scope: ' write  read\nread ', audience: ['b', 'a', 'b'], resource: [] }),
    ).toEqual({
      scope: 'read write',
      audience: ['a', 'b'],
      resource: undefined,
    });
    expect(canonicalTarget({ scope: ['write read', 'admin', ''], audience: '' })).toEqual({
      scope: 'admin read write',
      audience: undefined,
      resource: undefined,
    });
  });

  it('splits scopes on ASCII whitespace only, not on a no-break space or an em space (RFC 6749 §3.3)', () => {
    expect(canonicalTarget({ scope: 'read\u00a0write orders\u2003admin\tlist' }).scope).toBe(
      'list orders\u2003admin read\u00a0write',
    );
    expect(tokenTargetKey({ tokenUrl, clientId: 'billing', scope: 'read\u00a0write' })).not.toBe(
      tokenTargetKey({ tokenUrl, clientId: 'billing', scope: 'read write' }),
    );
  });
});

describe('tokenTargetKey', () => {
  it('writes the keys of ordinary ids, endpoints and targets as they are', () => {
    expect(tokenTargetKey({ tokenUrl, clientId: 'billing', scope: 'write read' })).toBe(
      'billing@https://auth.example.com/token|read write||',
    );
    expect(
      tokenTargetKey({ tokenUrl, clientId: 'billing', audience: 'orders', params: { tenant: 'acme' } }),
    ).toBe('billing@https://auth.example.com/token||orders||tenant=acme');
    expect(tokenTargetKey({ tokenUrl: new URL(tokenUrl), clientId: 'billing', params: {} })).toBe(
      'billing@https://auth.example.com/token|||',
    );
  });

  it('escapes `%`, `|` and spaces in every part, and `@` in the client id only', () => {
    expect(
      tokenTargetKey({
        tokenUrl: 'https://x.test/@a|b%c',
        clientId: 'a@b|c d%',
        scope: 'r|s %',
        audience: ['x y', 'z'],
        resource: 'https://r.test/a b',
        params: { 'k|': 'v w&=' },
      }),
    ).toBe(
      'a%40b%7Cc%20d%25@https://x.test/@a%7Cb%25c|%25 r%7Cs|x%20y z|https://r.test/a%20b|k%7C=v+w%26%3D',
    );
  });

  it('with a digest, names params and an endpoint query, fragment or user info only by the digest of the full key', () => {
    const digested: string[] = [];
    const digest = (key: string): string => {
      digested.push(key);
      return `D${digested.length}`;
    };
    const plain = { tokenUrl, clientId: 'billing', scope: 'read', audience: 'orders' };
    expect(tokenTargetKey(plain, digest)).toBe(tokenTargetKey(plain));
    expect(tokenTargetKey({ ...plain, tokenUrl: 'https://x.test/@https://y.test/token' }, digest)).toBe(
      'billing@https://x.test/@https://y.test/token|read|orders|',
    );
    expect(digested).toEqual([]);

    const secretive: TokenTargetKeyParts[] = [
      { ...plain, params: { api_key: 'k1' } },
      { ...plain, tokenUrl: `${tokenUrl}?api_key=k2` },
      { ...plain, tokenUrl: `${tokenUrl}?` },
      { ...plain, tokenUrl: `${tokenUrl}#k3` },
      { ...plain, tokenUrl: 'https://u:k4@auth.example.com/token' },
      { ...plain, tokenUrl: 'https://k5@auth.example.com/token' },
      { ...plain, tokenUrl: 'not a url?k6' },
    ];
    const keys = secretive.map((parts) => tokenTargetKey(parts, digest));
    expect(keys.slice(0, 6)).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `billing@https://auth.example.com/token|read|orders||#D${n}`),
    );
    expect(keys[6]).toBe('billing@|read|orders||#D7');
    expect(digested).toEqual(secretive.map((parts) => tokenTargetKey(parts)));
    for (const [i, key] of keys.entries()) expect(key).not.toContain(`k${i + 1}`);
  });

  it('can be split back into exactly its parts, for 300 targets full of separators', () => {
    for (const parts of generatedParts(300)) {
      expect(parseKey(tokenTargetKey(parts))).toEqual(canonicalParts(parts));
    }
  });

  it('gives a target in any order, and its canonical form, the same key', () => {
    for (const parts of generatedParts(300)) {
      const key = tokenTargetKey(parts);
      const reversed = {
        ...parts,
        scope: [...parts.scope].reverse(),
        audience: [...parts.audience].reverse(),
        resource: [...parts.resource].reverse(),
        params: Object.fromEntries(Object.entries(parts.params).reverse()),
      };

      expect(tokenTargetKey(reversed)).toBe(key);
      expect(tokenTargetKey({ ...parts, ...canonicalTarget(parts) })).toBe(key);
    }
  });
});

interface Parts extends TokenTargetKeyParts {
  clientId: string;
  tokenUrl: string;
  scope: string[];
  audience: string[];
  resource: string[];
  params: Record<string, string[]>;
}

/** Separators of the key format, escapes of them, and a few ordinary characters. */
const ALPHABET = ['a', 'b', '@', '|', '%', ' ', '%40', '%7C', '=', '&', '+', ':', '/', 'é'];

/** `count` targets made of `ALPHABET`, the same on every run, so a failure names the same inputs. */
function generatedParts(count: number): Parts[] {
  const random = seeded(2026);
  const text = (max: number, min = 0) =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick(random, ALPHABET)).join(
      '',
    );
  const list = (make: () => string) => Array.from({ length: Math.floor(random() * 3) }, make);
  return Array.from({ length: count }, () => ({
    clientId: text(6, 1),
    tokenUrl: `https://auth.test/${text(6)}`,
    scope: list(() => text(4)),
    audience: list(() => text(4, 1)),
    resource: list(() => `https://r.test/${text(4)}`),
    params: Object.fromEntries(list(() => `p${text(2)}`).map((name) => [name, list(() => text(3))])),
  }));
}

/** A deterministic generator (mulberry32). */
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

type SplitKey = Omit<Parts, 'params'> & { params: string[][] };

/**
 * The inverse of `tokenTargetKey`: the client id ends at the first `@`, every other part at `|`,
 * list items at a space, and `%` always starts an escape. A key that splits back into its parts
 * names one target only (decision 0405).
 */
function parseKey(key: string): SplitKey {
  const at = key.indexOf('@');
  const [endpoint = '', scope = '', audience = '', resource = '', ...params] = key.slice(at + 1).split('|');
  expect(params.length).toBeLessThanOrEqual(1);
  const items = (part: string) => (part === '' ? [] : part.split(' ').map(decodeURIComponent));
  return {
    clientId: decodeURIComponent(key.slice(0, at)),
    tokenUrl: decodeURIComponent(endpoint),
    scope: items(scope),
    audience: items(audience),
    resource: items(resource),
    params: [...new URLSearchParams(params[0] ?? '')],
  };
}

/** What a key must name: scopes split on whitespace, lists sorted and de-duplicated, parameters by name. */
function canonicalParts(parts: Parts): SplitKey {
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
