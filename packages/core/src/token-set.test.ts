import { describe, expect, it, vi } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import { toTokenSet } from './token-set.js';

const at = 1_700_000_000_000;

describe('toTokenSet: expires_in', () => {
  it.each([
    [0, at],
    [60, at + 60_000],
    ['60', at + 60_000],
    ['0', at],
  ])('accepts %j', (expiresIn, expiresAt) => {
    expect(toTokenSet({ access_token: 'a', expires_in: expiresIn }, at).expiresAt).toBe(expiresAt);
  });

  it.each([undefined, null])(
    'reads the JWT exp when expires_in is %j: absent, not refused (a refused refresh answer loses its rotated refresh token)',
    (expiresIn) => {
      // {"alg":"none"}.{"exp":2000000000}
      const jwt = 'eyJhbGciOiJub25lIn0.eyJleHAiOjIwMDAwMDAwMDB9.';
      expect(toTokenSet({ access_token: jwt, expires_in: expiresIn }, at).expiresAt).toBe(2_000_000_000_000);
      expect(toTokenSet({ access_token: 'a', expires_in: expiresIn }, at).expiresAt).toBeUndefined();
      expect(toTokenSet({ accessToken: jwt, expiresAt: expiresIn }, at).expiresAt).toBe(2_000_000_000_000);
    },
  );

  it.each([
    ' ',
    '',
    '0x10',
    '1e3',
    ' 60',
    '60 ',
    '+60',
    '-1',
    '6.5',
    -1,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    true,
    {},
  ])('rejects %j with MalformedResponseError', (expiresIn) => {
    expect(() => toTokenSet({ access_token: 'a', expires_in: expiresIn }, at)).toThrow(
      MalformedResponseError,
    );
  });
});

describe('toTokenSet: an expiry too large for a number', () => {
  const jwtWith = (claims: Record<string, unknown>): string => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'none' })}.${encode(claims)}.signature`;
  };

  it.each([
    ['an expires_in', { access_token: 'a', expires_in: 1e306 }],
    ['an expires_in of 400 digits', { access_token: 'a', expires_in: `1${'0'.repeat(400)}` }],
    ['an expires_in of 1e400 in JSON', JSON.parse('{"access_token":"a","expires_in":1e400}')],
    ['a JWT exp', { access_token: jwtWith({ exp: 1e306 }) }],
    ['the JWT exp of a stored set', { accessToken: jwtWith({ exp: 1e306 }), tokenType: 'Bearer' }],
  ])('counts %s whose epoch ms overflow to Infinity as no expiry', (_, input) => {
    const set = toTokenSet(input, at);
    expect(set.expiresAt).toBeUndefined();
    // What is stored reads back as the same set.
    expect(toTokenSet(JSON.parse(JSON.stringify(set)), at)).toEqual(set);
  });

  it('ignores a JWT iat too large for a number', () => {
    expect(
      toTokenSet({ accessToken: jwtWith({ iat: 1e306 }), tokenType: 'Bearer' }, at).issuedAt,
    ).toBeUndefined();
  });
});

describe('toTokenSet: token_type', () => {
  it('compares Bearer case-insensitively and normalises its spelling', () => {
    for (const type of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      expect(toTokenSet({ access_token: 'a', token_type: type }, at).tokenType).toBe('Bearer');
    }
    expect(toTokenSet({ access_token: 'a' }, at).tokenType).toBe('Bearer');
  });

  it.each(['', ' ', 'Bearer ', 'Bea rer', 'Bearer\r\nX-Injected: 1', 'Bearer\n', 'Bé'])(
    'rejects %j, which is not an auth-scheme',
    (type) => {
      expect(() => toTokenSet({ access_token: 'a', token_type: type }, at)).toThrow(
        /not an HTTP auth-scheme/,
      );
    },
  );

  it('refuses types other than Bearer unless configured, and spells configured ones as configured', () => {
    expect(() => toTokenSet({ access_token: 'a', token_type: 'DPoP' }, at)).toThrow(
      /token_type "DPoP" is not in tokenTypes \(Bearer\)/,
    );
    expect(() => toTokenSet({ access_token: 'a', token_type: 'mac' }, at)).toThrow(MalformedResponseError);
    expect(toTokenSet({ access_token: 'a', token_type: 'dpop' }, at, 'test', ['DPoP']).tokenType).toBe(
      'DPoP',
    );
    expect(() => toTokenSet({ access_token: 'a', token_type: 'bearer' }, at, 'test', ['DPoP'])).toThrow(
      MalformedResponseError,
    );
    // No token_type means Bearer: a DPoP-only manager refuses it rather than guessing DPoP.
    expect(() => toTokenSet({ access_token: 'a' }, at, 'test', ['DPoP'])).toThrow(
      /"Bearer" is not in tokenTypes/,
    );
  });

  it.each([123, true, {}, ['Bearer']])(
    'refuses a token_type of another type (%j), never taking it for Bearer',
    (type) => {
      for (const input of [
        { access_token: 'a', token_type: type },
        { accessToken: 'a', tokenType: type },
      ]) {
        expect(() => toTokenSet(input, at)).toThrow(
          expect.objectContaining({ name: 'MalformedResponseError', reason: 'invalid_field' }),
        );
      }
    },
  );

  it('applies the same rules to a stored TokenSet', () => {
    expect(toTokenSet({ accessToken: 'a', tokenType: 'bearer' }, at).tokenType).toBe('Bearer');
    expect(() => toTokenSet({ accessToken: 'a', tokenType: 'Bearer\r\n' }, at)).toThrow(
      MalformedResponseError,
    );
  });
});

describe('toTokenSet: an access_token no header can carry', () => {
  const SECRET = 'secret-part';
  it.each([
    ['a newline', `abc\n${SECRET}`],
    ['a carriage return', `abc\r${SECRET}`],
    ['a NUL', `abc\u0000${SECRET}`],
    ['a tab', `abc\t${SECRET}`],
    ['a character above U+00FF', `abc€${SECRET}`],
    ['a Latin-1 character', `abcé${SECRET}`],
    // `Headers` trims the value: the header carries another string than the DPoP proof's `ath` hashes.
    ['a space at the end', `abc${SECRET} `],
    // `Bearer  x`: a server splitting at the scheme reads another token.
    ['a space at the start', ` abc${SECRET}`],
    ['only a space', ' '],
  ])('refuses %s, in a response and in a stored set, without quoting it', (_, token) => {
    for (const input of [{ access_token: token }, { accessToken: token, tokenType: 'Bearer' }]) {
      let caught: unknown;
      try {
        toTokenSet(input, at);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MalformedResponseError);
      expect(caught).toMatchObject({ reason: 'invalid_field' });
      expect(`${String(caught)} ${JSON.stringify(caught)}`).not.toContain(SECRET);
    }
  });

  it('names the token in no encoding in what a refused token response rejects with, emits or logs', async () => {
    const token = ` ${SECRET}-${'x'.repeat(40)} `;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const fetchTokens = vi.fn(async () => ({ access_token: token, refresh_token: 'rt', expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    const error = await tokens.getAccessToken().catch((caught: unknown) => caught);
    tokens.dispose();
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'invalid_field' });
    expect(events.map((event) => event.type)).toEqual(['loaded', 'refresh_failed']);
    const shown = [
      String(error),
      JSON.stringify(error),
      (error as Error).stack,
      JSON.stringify(events),
      ...logged.mock.calls.flat().map(String),
    ].join(' ');
    for (const encoded of [
      SECRET,
      btoa(token.trim()).slice(8, 40),
      encodeURIComponent(token.trim()),
      token.trim(),
    ]) {
      expect(shown).not.toContain(encoded);
    }
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('keeps every visible ASCII character, and a space inside (RFC 6749 VSCHAR): a header carries them unchanged', () => {
    const visible = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(toTokenSet({ access_token: `a${visible}z` }, at).accessToken).toBe(`a${visible}z`);
    expect(toTokenSet({ access_token: 'a b', refresh_token: ' \t r\n' }, at)).toMatchObject({
      accessToken: 'a b',
      refreshToken: ' \t r\n', // sent in a form body, where any string is carried unchanged
    });
  });
});

/** A server that rotates and accepts only the refresh token it issued last (reuse detection). */
function rotatingServer(answer: (refreshToken: string) => Record<string, unknown>) {
  let latest = 'rt-0';
  const sent: (string | undefined)[] = [];
  const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) => {
    sent.push(refreshToken);
    if (refreshToken !== latest) throw new Error('invalid_grant: a spent refresh token');
    latest = `rt-${sent.length}`;
    return { access_token: `at-${sent.length}`, ...answer(latest) } as never;
  });
  return { fetchTokens, sent };
}

describe('toTokenSet: scope', () => {
  it.each([
    ['a space-delimited string', 'read write', 'read write'],
    ['an array of strings, joined', ['read', 'write'], 'read write'],
    ['an empty array', [], ''],
    ['an array holding a non-string, ignored', ['read', 1], undefined],
    ['a number, ignored', 42, undefined],
    ['an object, ignored', { read: true }, undefined],
  ])('takes a scope that is %s', (_, scope, expected) => {
    expect(toTokenSet({ access_token: 'a', scope }, at).scope).toBe(expected);
    expect(toTokenSet({ accessToken: 'a', tokenType: 'Bearer', scope }, at).scope).toBe(expected);
  });

  it('keeps the refresh token a rotating server sent with an array scope: the session survives', async () => {
    // Not a string, as TokenResponse types it: what such a server sends.
    const { fetchTokens, sent } = rotatingServer((refreshToken) => ({
      refresh_token: refreshToken,
      scope: ['read', 'write'],
    }));
    const tokens = new TokenManager({ fetchTokens, retry: false });
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0' });
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
    expect(tokens.peekTokens()).toMatchObject({ refreshToken: 'rt-1', scope: 'read write' });
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    tokens.dispose();
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });
});

describe('toTokenSet: a refresh_token or id_token of another type', () => {
  it.each([123, true, false, {}, ['rt'], null])('counts %j as absent', (value) => {
    for (const input of [
      { access_token: 'a', refresh_token: value, id_token: value },
      { accessToken: 'a', tokenType: 'Bearer', refreshToken: value, idToken: value },
    ]) {
      const set = toTokenSet(input, at);
      expect(set).toMatchObject({ accessToken: 'a', refreshToken: undefined, idToken: undefined });
    }
  });

  it.each([123, null, {}])(
    'keeps the refresh token a rotating server sent with an id_token of %j: the session survives',
    async (idToken) => {
      const { fetchTokens, sent } = rotatingServer((refreshToken) => ({
        refresh_token: refreshToken,
        id_token: idToken,
      }));
      const tokens = new TokenManager({ fetchTokens, retry: false });
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', id_token: 'id-0' });
      expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
      expect(tokens.peekTokens()).toMatchObject({ refreshToken: 'rt-1', idToken: undefined });
      expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
      tokens.dispose();
      expect(sent).toEqual(['rt-0', 'rt-1']);
      expect(fetchTokens).toHaveBeenCalledTimes(2);
    },
  );

  it.each([false, 123, {}])(
    'a refresh_token of %j keeps the one sent: the access token it came with is used, and a server that did not rotate keeps the session',
    async (refreshToken) => {
      // PHP-style "none" (`false`) and the like: the answer is no rotation.
      const sent: (string | undefined)[] = [];
      const fetchTokens = vi.fn<FetchTokens>(async (context) => {
        sent.push(context.refreshToken);
        return { access_token: `at-${sent.length}`, refresh_token: refreshToken } as never;
      });
      const tokens = new TokenManager({ fetchTokens, retry: false });
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0' });
      expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
      expect(tokens.peekTokens()?.refreshToken).toBe('rt-0');
      expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
      tokens.dispose();
      expect(sent).toEqual(['rt-0', 'rt-0']);
      expect(fetchTokens).toHaveBeenCalledTimes(2);
    },
  );

  it('a refresh_token of another type from a rotating server: its access token is used; the next refresh sends the old one and ends the session', async () => {
    const { fetchTokens, sent } = rotatingServer(() => ({ refresh_token: 42 }));
    const tokens = new TokenManager({ fetchTokens, retry: false });
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0' });
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toThrow(/spent refresh token/);
    tokens.dispose();
    expect(sent).toEqual(['rt-0', 'rt-0']);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('still refuses an answer without a usable access_token or with a token_type not accepted', async () => {
    for (const answer of [{ access_token: 7 }, { access_token: 'at-1', token_type: 'mac' }]) {
      const fetchTokens = vi.fn<FetchTokens>(async () => ({ refresh_token: 'rt-1', ...answer }) as never);
      const tokens = new TokenManager({ fetchTokens, retry: false });
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0' });
      await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
        MalformedResponseError,
      );
      // The refused answer's rotated refresh token is kept for the next refresh, never its access token (decision 0013).
      expect(tokens.peekTokens()).toMatchObject({ accessToken: 'at-0', refreshToken: 'rt-1' });
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      tokens.dispose();
    }
  });
});
