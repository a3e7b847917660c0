import type { TokenRequestParams } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../test/sha256.js';
import { clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions, TokenTarget } from './client-credentials-options.js';
import { normalizeTarget } from './token-target.js';

/** The key a client `clientId` at `tokenUrl` with `extraParams` gives the manager of `target`. */
function keyOf(
  target: TokenTarget,
  { clientId = 'svc', tokenUrl = 'https://auth.test/token', extraParams = {} as TokenRequestParams } = {},
): string {
  // An `undefined` parameter value: what plain JavaScript may pass, and the client accepts.
  const options = { clientId, tokenUrl, clientSecret: 's', extraParams } as ClientCredentialsOptions;
  const credentials = clientCredentials(options);
  const { key } = credentials.for(target);
  credentials.dispose();
  return key;
}

describe('target normalisation', () => {
  it('sorts and de-duplicates scopes, whether given as a string or an array', () => {
    expect(normalizeTarget({ scope: ' write  read\nread ' }).scope).toBe('read write');
    expect(normalizeTarget({ scope: ['write', 'read', 'read'] }).scope).toBe('read write');
    expect(normalizeTarget({ scope: ['write read', 'admin'] }).scope).toBe('admin read write');
  });

  it('treats empty scopes and empty lists as absent', () => {
    expect(normalizeTarget({ scope: '  ', audience: [], resource: [] })).toEqual({
      scope: undefined,
      audience: undefined,
      resource: undefined,
    });
  });

  it('sorts and de-duplicates audiences and resources', () => {
    expect(
      normalizeTarget({ audience: ['b', 'a', 'b'], resource: ['https://z.test', 'https://a.test'] }),
    ).toEqual({
      scope: undefined,
      audience: ['a', 'b'],
      resource: ['https://a.test', 'https://z.test'],
    });
  });

  it('gives equal targets equal keys and different targets different keys', () => {
    const key = (target: TokenTarget) => keyOf(target);

    expect(key({ scope: 'b a', resource: 'https://r.test' })).toBe(
      key({ scope: ['a', 'b'], resource: ['https://r.test'] }),
    );
    expect(key({ scope: 'a b' })).toBe('svc@https://auth.test/token|a b||');
    // `|` and spaces inside a part are escaped, so parts cannot run into each other.
    expect(key({ scope: 'a|b', audience: 'c' })).not.toBe(key({ scope: 'a', audience: 'b|c' }));
    expect(key({ audience: 'a b' })).not.toBe(key({ audience: ['a', 'b'] }));
    expect(key({ audience: 'x' })).not.toBe(key({ resource: 'https://x.test' }));
  });

  it('escapes `@` in the client id, so a crafted id and endpoint cannot name another client’s key', () => {
    const prefix = (clientId: string, server: string) => keyOf({}, { clientId, tokenUrl: server });

    // Before, both were `a@https://x.test/@https://y.test/token|||`.
    expect(prefix('a@https://x.test/', 'https://y.test/token')).toBe(
      'a%40https://x.test/@https://y.test/token|||',
    );
    expect(prefix('a', 'https://x.test/@https://y.test/token')).toBe(
      'a@https://x.test/@https://y.test/token|||',
    );
    expect(prefix('a%40https://x.test/', 'https://y.test/token')).toBe(
      'a%2540https://x.test/@https://y.test/token|||',
    );
    // Ordinary ids (letters, digits, `-`, `_`, `.`, `:`) keep the keys they had: an upgrade costs no request.
    expect(prefix('billing-svc_2.eu:prod', 'https://auth.test/token')).toBe(
      'billing-svc_2.eu:prod@https://auth.test/token|||',
    );
  });

  it("ends the key with the client's extra parameters, sorted by name and form-encoded", () => {
    const key = (params: Record<string, string | string[] | undefined>) =>
      keyOf({ scope: 'a' }, { extraParams: params });

    expect(key({})).toBe('svc@https://auth.test/token|a||');
    expect(key({ tenant: undefined, other: [] })).toBe('svc@https://auth.test/token|a||');
    expect(key({ tenant: 'acme', region: 'eu west' })).toBe(
      `svc@https://auth.test/token|a|||#${sha256('svc@https://auth.test/token|a|||region=eu+west&tenant=acme')}`,
    );
    expect(key({ region: 'eu west', tenant: 'acme' })).toBe(key({ tenant: 'acme', region: 'eu west' }));
    // Different parameters, different keys — a separator or `=`/`&` inside a value included.
    const keys = [
      key({ tenant: 'acme' }),
      key({ tenant: 'globex' }),
      key({ tenant: 'acme|' }),
      key({ tenant: 'acme&x=1' }),
      key({ tenant: 'acme', x: '1' }),
      key({ tenant: ['a', 'b'] }),
      key({ tenant: ['b', 'a'] }),
      key({ tenant: 'a b' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});
