import { describe, expect, it } from 'vitest';
import type { AuthServerOptions } from './auth-server-options.js';
import { createAuthServer } from './create-auth-server.js';

/** What a plain-JavaScript caller (or a cast) can pass: TypeScript refuses these literals. */
const loosely = (options: Record<string, unknown>): AuthServerOptions => options as AuthServerOptions;
const where = 'createAuthServer(options)';

describe('createAuthServer boolean options are booleans', () => {
  it.each([
    [
      { slidingRefreshTokenLifetime: 'false' },
      'slidingRefreshTokenLifetime must be true or false, got string',
    ],
    [{ rotateRefreshTokens: 0 }, 'rotateRefreshTokens must be true or false, got number'],
    [{ rotateRefreshTokens: 'false' }, 'rotateRefreshTokens must be true or false, got string'],
    [{ revokeFamily: 'no' }, 'revokeFamily must be true or false, got string'],
    [{ dpop: 'false' }, 'dpop must be true, false or { requireNonce }, got string'],
    [{ dpop: 1 }, 'dpop must be true, false or { requireNonce }, got number'],
    [{ dpop: { requireNonce: 'false' } }, 'dpop.requireNonce must be true or false, got string'],
    [
      { dpop: true, clients: [{ clientId: 'web', dpopBoundAccessTokens: 'false' }] },
      'clients[0].dpopBoundAccessTokens must be true or false, got string',
    ],
  ])('refuses %o with a TypeError naming the option (never read by truthiness)', (options, message) => {
    expect(() => createAuthServer(loosely(options))).toThrow(new TypeError(`${where}: ${message}`));
  });

  it("refuses protectedApi's requireDPoPNonce: 'false' the same way", () => {
    const auth = createAuthServer({ dpop: true });
    expect(() =>
      auth.protectedApi('https://api.example.test', { requireDPoPNonce: 'false' as never }),
    ).toThrow(
      new TypeError(
        'auth.protectedApi(baseUrl, options): requireDPoPNonce must be true or false, got string',
      ),
    );
  });

  it('takes true, false and null (not set) as before', () => {
    for (const value of [true, false, null]) {
      const auth = createAuthServer(
        loosely({
          slidingRefreshTokenLifetime: value,
          rotateRefreshTokens: value,
          revokeFamily: value,
          dpop: value === null ? null : { requireNonce: value },
          clients: [{ clientId: 'web', dpopBoundAccessTokens: value === true ? true : value }],
        }),
      );
      expect(() =>
        auth.protectedApi('https://api.example.test', {
          requireDPoPNonce: value === true ? true : (value as never),
        }),
      ).not.toThrow();
    }
  });
});
