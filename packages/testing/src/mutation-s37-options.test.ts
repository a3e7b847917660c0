import { describe, expect, it } from 'vitest';
import type { AuthServerOptions } from './auth-server-options.js';
import { createAuthServer } from './create-auth-server.js';

// Mutation sweep (stop 37) of createAuthServer's option checks: a value that parses as a URL but is
// not a string (a URL object) is refused by name, not with `.replace is not a function`.
describe('createAuthServer issuer given as a URL object', () => {
  it('is refused with a TypeError naming the option', () => {
    const options = { issuer: new URL('https://auth.example.test') } as unknown as AuthServerOptions;
    expect(() => createAuthServer(options)).toThrow(
      new TypeError(
        'createAuthServer(options): issuer must be an absolute URL string without query or fragment, such as https://auth.example.test',
      ),
    );
  });
});
