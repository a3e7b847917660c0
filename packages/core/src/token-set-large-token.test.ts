import * as jwt from 'jwt-decode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';
import { toTokenSet } from './token-set.js';

vi.mock('jwt-decode', async (importActual) => {
  const actual = await importActual<typeof jwt>();
  return { ...actual, jwtDecode: vi.fn(actual.jwtDecode) };
});

const at = 1_700_000_000_000;
const exp = 1_800_000_000;
const iat = 1_600_000_000;

/** A JWT with `exp` and `iat` of exactly `length` characters (its signature part pads it). */
function jwtOfLength(length: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'none' })}.${encode({ exp, iat })}.`;
  return head + 's'.repeat(length - head.length);
}

afterEach(() => {
  vi.mocked(jwt.jwtDecode).mockClear();
});

describe('toTokenSet: an access token over 64 KiB is opaque', () => {
  it('reads exp and iat of a JWT of exactly 65,536 characters', () => {
    const set = toTokenSet({ accessToken: jwtOfLength(65_536), tokenType: 'Bearer' }, at);
    expect(set.expiresAt).toBe(exp * 1000);
    expect(set.issuedAt).toBe(iat * 1000);
  });

  it.each([
    ['a stored TokenSet', { accessToken: jwtOfLength(65_537), tokenType: 'Bearer' }, undefined],
    ['a token response', { access_token: jwtOfLength(65_537) }, at],
  ])('does not decode a JWT of 65,537 characters in %s: no expiry', (_, input, issuedAt) => {
    const set = toTokenSet(input, at);
    expect(set.expiresAt).toBeUndefined();
    expect(set.issuedAt).toBe(issuedAt);
    expect(jwt.jwtDecode).not.toHaveBeenCalled();
  });

  it('still counts expires_in for such a token', () => {
    const set = toTokenSet({ access_token: jwtOfLength(1 << 20), expires_in: 60 }, at);
    expect(set.expiresAt).toBe(at + 60_000);
    expect(jwt.jwtDecode).not.toHaveBeenCalled();
  });
});

describe('TokenManager: a 10 MB access token in storage', () => {
  it('loads it without decoding it and serves it until invalidated, with no token request', async () => {
    const huge = jwtOfLength(10 * (1 << 20));
    const storage = memoryStorage();
    await storage.set({ accessToken: huge, tokenType: 'Bearer', refreshToken: 'rt' });
    const fetchTokens = vi.fn(async () => ({ access_token: 'new', expires_in: 60 }));
    const tokens = new TokenManager({ fetchTokens, storage, clock: () => at, retry: false });
    try {
      const loaded = await tokens.ready();
      expect(loaded?.expiresAt).toBeUndefined();
      expect(await tokens.getAccessToken()).toBe(huge);
      expect(jwt.jwtDecode).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(tokens.invalidate(huge)).toBe(true);
      expect(await tokens.getAccessToken()).toBe('new');
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    } finally {
      tokens.dispose();
    }
  });
});
