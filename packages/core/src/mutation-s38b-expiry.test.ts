import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

// Mutants of `expiresAtOf`'s JWT lifetime (stop 38) that the tests beside it let live.
const now = 1_700_000_000_000;

function jwtWith(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.signature`;
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/** A manager whose server answers every request with `claims` in a JWT and `expires_in`; time moves by `advance`. */
function setup(claims: Record<string, unknown>, expiresIn: number | string = 3600) {
  let elapsed = 0;
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => ({
    access_token: jwtWith({ n: ++issued, ...claims }),
    expires_in: expiresIn,
  }));
  const tokens = new TokenManager({ fetchTokens, clock: () => now + elapsed, retry: false });
  managers.push(tokens);
  return { tokens, fetchTokens, advance: (ms: number) => (elapsed += ms) };
}

/** Token requests after asking for a token once a second for `seconds` seconds. */
async function requestsOver(seconds: number, { tokens, fetchTokens, advance }: ReturnType<typeof setup>) {
  for (let second = 0; second < seconds; second++) {
    await tokens.getAccessToken();
    advance(1000);
  }
  return fetchTokens.mock.calls.length;
}

describe('the JWT lifetime exp − iat', () => {
  it('counts with iat 0 (1970-01-01T00:00:00Z exactly, not before 1970): exp 600 refreshes at 570 s', async () => {
    const manager = setup({ iat: 0, exp: 600 });
    await manager.tokens.getAccessToken();
    expect((await manager.tokens.getTokens()).expiresAt).toBe(now + 600_000);
    expect(await requestsOver(1200, manager)).toBe(3); // at 0, 570 and 1140 s
  });

  it('is not taken from exp alone: without iat, an exp of 600 (seconds after 1970) is no lifetime', async () => {
    const manager = setup({ exp: 600 });
    expect(await requestsOver(3569, manager)).toBe(1);
    expect((await manager.tokens.getTokens()).expiresAt).toBe(now + 3600_000);
  });

  it('with an expires_in too large for a number and a lone exp: the token never expires, exp is not read', async () => {
    const manager = setup({ exp: now / 1000 + 600 }, '9'.repeat(400));
    expect(await requestsOver(7200, manager)).toBe(1);
    expect((await manager.tokens.getTokens()).expiresAt).toBeUndefined();
  });

  it('with an expires_in too large for a number and exp − iat: the lifetime counts', async () => {
    const manager = setup({ iat: now / 1000, exp: now / 1000 + 600 }, '9'.repeat(400));
    await manager.tokens.getAccessToken();
    expect((await manager.tokens.getTokens()).expiresAt).toBe(now + 600_000);
  });
});
