import { describe, expect, it } from 'vitest';
import type { AuthServerOptions } from './auth-server-options.js';
import { createAuthServer } from './create-auth-server.js';

/** What a plain-JavaScript caller (or a cast) can pass: TypeScript refuses these literals. */
const loosely = (options: Record<string, unknown>): AuthServerOptions => options as AuthServerOptions;

describe('createAuthServer options of the wrong type', () => {
  it.each([
    [
      { issuer: 60 },
      'issuer must be an absolute URL string without query or fragment, such as https://auth.example.test',
    ],
    [
      { issuer: '60' },
      'issuer must be an absolute URL string without query or fragment, such as https://auth.example.test',
    ],
    [
      { issuer: Number.NaN },
      'issuer must be an absolute URL string without query or fragment, such as https://auth.example.test',
    ],
    [{ clients: 5 }, 'clients must be an array, got number'],
    [{ clients: { clientId: 'web' } }, 'clients must be an array, got object'],
    [{ users: 'alice' }, 'users must be an array, got string'],
    [{ clock: '60' }, 'clock must be a function returning epoch milliseconds, got string'],
    [
      { clock: Number.POSITIVE_INFINITY },
      'clock must be a function returning epoch milliseconds, got number',
    ],
  ])('refuses %o with a TypeError naming the option', (options, message) => {
    expect(() => createAuthServer(loosely(options))).toThrow(
      new TypeError(`createAuthServer(options): ${message}`),
    );
  });

  it('takes null as not set, and a frozen options object', () => {
    const auth = createAuthServer(
      Object.freeze(loosely({ issuer: null, clients: null, users: null, clock: null })),
    );
    expect(auth.issuer).toBe('https://auth.example.test');
  });
});
