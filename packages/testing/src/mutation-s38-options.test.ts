import { describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';

// Mutants of stop 38's option checks that the other tests let live.
describe('option checks: what a test author sees', () => {
  it('a long string where a number belongs is quoted up to 40 characters, never whole (it may be a pasted token)', () => {
    const pasted = `${'a'.repeat(40)}-the-rest-of-a-token`;
    expect(() => createAuthServer({ accessTokenLifetime: pasted as never })).toThrow(
      new RangeError(
        `accessTokenLifetime must be a positive number of milliseconds, got the string "${'a'.repeat(40)}".`,
      ),
    );
  });

  it('issueTokens takes null for an option as not set, as undefined', async () => {
    const auth = createAuthServer();
    const issued = await auth.issueTokens({
      username: null,
      clientId: null,
      scope: null,
      audience: null,
    } as never);
    expect(issued.token_type).toBe('Bearer');
    expect(typeof issued.access_token).toBe('string');
  });
});
