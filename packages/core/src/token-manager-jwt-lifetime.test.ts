import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

// The server's clock; the client's may differ from it by `skew`.
const serverNow = 1_700_000_000_000;

function jwtWith(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.signature`;
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/**
 * A manager whose server issues JWTs with the claims `claims(iat)` (iat in server seconds at the
 * moment of the request) and `expires_in: 3600`; the client clock is `skew` ms off the server's.
 */
function setup(claims: (iat: number) => Record<string, unknown>, skew = 0) {
  let elapsed = 0;
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => ({
    access_token: jwtWith({
      n: ++issued,
      ...claims(Math.floor((serverNow + elapsed) / 1000)),
    }),
    expires_in: 3600,
  }));
  const tokens = new TokenManager({ fetchTokens, clock: () => serverNow + skew + elapsed, retry: false });
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

describe('a JWT access token whose exp − iat is shorter than expires_in', () => {
  it('is refreshed at the shorter lifetime, counted from when the request was sent', async () => {
    const manager = setup((iat) => ({ iat, exp: iat + 600 }));
    await manager.tokens.getAccessToken();
    // 600 s lifetime, 30 s margin: due at 570 s.
    manager.advance(570_000 - 1);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(1);
    manager.advance(1);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(2);
    expect((await manager.tokens.getTokens()).expiresAt).toBe(serverNow + 570_000 + 600_000);
  });

  it('costs 3 token requests in 20 minutes (at 0, 570 and 1140 s)', async () => {
    expect(
      await requestsOver(
        1200,
        setup((iat) => ({ iat, exp: iat + 600 })),
      ),
    ).toBe(3);
  });

  it.each([
    ['1 h ahead of', 3600_000],
    ['1 h behind', -3600_000],
  ])('costs the same 3 requests with a client clock %s the server: no refresh loop', async (_, skew) => {
    expect(
      await requestsOver(
        1200,
        setup((iat) => ({ iat, exp: iat + 600 }), skew),
      ),
    ).toBe(3);
  });
});

describe('expires_in wins', () => {
  it('when exp − iat is longer: refreshed at 3570 s', async () => {
    const manager = setup((iat) => ({ iat, exp: iat + 7200 }));
    await manager.tokens.getAccessToken();
    manager.advance(3570_000 - 1);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(1);
    manager.advance(1);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(2);
  });

  it.each<[string, (iat: number) => Record<string, unknown>]>([
    ['exp and iat as strings', (iat) => ({ iat: `${iat}`, exp: `${iat + 600}` })],
    ['an iat string', (iat) => ({ iat: `${iat}`, exp: iat + 600 })],
    ['a negative exp', (iat) => ({ iat, exp: -1 })],
    ['a negative iat', () => ({ iat: -600, exp: 0 })],
    ['both negative', () => ({ iat: -1200, exp: -600 })],
    ['exp equal to iat', (iat) => ({ iat, exp: iat })],
    ['exp before iat', (iat) => ({ iat, exp: iat - 600 })],
    ['a huge exp', (iat) => ({ iat, exp: 1e306 })],
    ['a huge iat', (iat) => ({ iat: 1e306, exp: iat + 600 })],
    ['no iat', (iat) => ({ exp: iat + 600 })],
    ['no exp', (iat) => ({ iat })],
    ['exp and iat as arrays', (iat) => ({ iat: [iat], exp: [iat + 600] })],
    ['exp as a boolean', (iat) => ({ iat: 0, exp: true, now: iat })],
    ['exp as null', (iat) => ({ iat, exp: null })],
    ['iat in ms, exp in s', (iat) => ({ iat: iat * 1000, exp: iat + 600 })],
    ['iat and exp in ms', (iat) => ({ iat: iat * 1000, exp: (iat + 600) * 1000 })],
    ['an iat backdated 5 min (Azure)', (iat) => ({ iat: iat - 300, nbf: iat - 300, exp: iat + 3600 })],
  ])('when the claims are garbage (%s): ignored, one request in 59 minutes', async (_, claims) => {
    const manager = setup(claims);
    expect(await requestsOver(3569, manager)).toBe(1);
    manager.advance(1000);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(2);
  });
});

describe('second reading (stop 38)', () => {
  it('nbf is not a lifetime: iat, nbf 5 min later, exp 10 min after iat is refreshed at 570 s', async () => {
    const manager = setup((iat) => ({ iat, nbf: iat + 300, exp: iat + 600 }));
    expect(await requestsOver(570, manager)).toBe(1);
    await manager.tokens.getAccessToken();
    expect(manager.fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('setTokens() with expires_in takes the same rule; a TokenSet with expiresAt is taken as it is', async () => {
    const { tokens } = setup(() => ({}));
    const iat = serverNow / 1000;
    const access = jwtWith({ iat, exp: iat + 600 });
    expect((await tokens.setTokens({ access_token: access, expires_in: 3600 })).expiresAt).toBe(
      serverNow + 600_000,
    );
    expect((await tokens.setTokens({ access_token: access, expires_in: '300' })).expiresAt).toBe(
      serverNow + 300_000,
    );
    const expiresAt = serverNow + 3600_000;
    expect((await tokens.setTokens({ accessToken: access, tokenType: 'Bearer', expiresAt })).expiresAt).toBe(
      expiresAt,
    );
  });

  it('an opaque token with three dot-separated parts whose middle is no JSON object: expires_in alone', async () => {
    const { tokens } = setup(() => ({}));
    for (const access of ['a.b.c', 'e30.W10.x', `x.${Buffer.from('600').toString('base64url')}.y`])
      expect((await tokens.setTokens({ access_token: access, expires_in: 3600 })).expiresAt).toBe(
        serverNow + 3600_000,
      );
  });

  it('a refresh margin longer than exp − iat is capped at half the lifetime: 4 requests in 20 minutes, no loop', async () => {
    let elapsed = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => {
      const iat = Math.floor((serverNow + elapsed) / 1000);
      return { access_token: jwtWith({ iat, exp: iat + 600 }), expires_in: 3600 };
    });
    const tokens = new TokenManager({
      fetchTokens,
      clock: () => serverNow + elapsed,
      retry: false,
      refreshMargin: 3600_000,
    });
    managers.push(tokens);
    for (let second = 0; second < 1200; second++) {
      await tokens.getAccessToken();
      elapsed += 1000;
    }
    // Due at 300, 600 and 900 s (half of 600 s each time).
    expect(fetchTokens).toHaveBeenCalledTimes(4);
  });
});
