import { DisposedError } from '@tessera/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, TOKEN_URL } from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions } from './client-credentials-options.js';

const clients: ClientCredentials[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose();
});

function client(options: Partial<ClientCredentialsOptions> = {}): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    clientSecret: SECRET,
    ...options,
  });
  clients.push(created);
  return created;
}

describe('how many targets a client holds', () => {
  it('refuses the 1,001st target with a RangeError that says what to do, and keeps serving the others', () => {
    const credentials = client({ audience: 'configured' });
    const first = credentials.for({ audience: 'tenant-0' });
    for (let i = 1; i < 1_000; i += 1) credentials.for({ audience: `tenant-${i}` });

    expect(() => credentials.for({ audience: 'tenant-1000' })).toThrow(RangeError);
    expect(() => credentials.for({ audience: 'tenant-1000' })).toThrow(
      'clientCredentials.for: 1000 targets held (maxTargets); dispose unused ones (for(target).dispose()) or raise maxTargets',
    );
    // Held targets and the configured one are still served, and are the same managers.
    expect(credentials.for({ audience: 'tenant-0' })).toBe(first);
    expect(credentials.for({ audience: 'configured' })).toBe(credentials.for());
  });

  it('frees the place of a target whose manager was disposed', () => {
    const credentials = client({ maxTargets: 2 });
    const a = credentials.for({ audience: 'a' });
    credentials.for({ audience: 'b' });
    expect(() => credentials.for({ audience: 'c' })).toThrow(RangeError);

    a.dispose();
    const c = credentials.for({ audience: 'c' });

    expect(c.key).toBe(`billing@${TOKEN_URL}||c|`);
    expect(() => credentials.for({ audience: 'a' })).toThrow(RangeError);
    expect(credentials.for({ audience: 'b' }).key).toBe(`billing@${TOKEN_URL}||b|`);
  });

  it('serves only the configured target with maxTargets: 0, and any number with Infinity', () => {
    const only = client({ scope: 'read', maxTargets: 0 });
    expect(only.for({ scope: 'read' })).toBe(only.for());
    expect(() => only.for({ scope: 'write' })).toThrow(RangeError);

    const unlimited = client({ maxTargets: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 1_500; i += 1) unlimited.for({ audience: `tenant-${i}` });
    expect(unlimited.for({ audience: 'tenant-0' })).toBe(unlimited.for({ audience: 'tenant-0' }));
  });

  it('throws DisposedError, not RangeError, once the client is disposed', () => {
    const credentials = client({ maxTargets: 0 });
    credentials.dispose();
    expect(() => credentials.for({ audience: 'a' })).toThrow(DisposedError);
  });
});
