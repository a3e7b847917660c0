import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

/** Distinctive: `+`, `/`, `=`, `%`, space, quote, backslash and non-ASCII, so every encoding differs. */
const SECRETS = {
  accessToken: 'at+/=%20 access-token"\\x',
  refreshToken: 'rt+/=%2F refrésh\\"token-ß',
  idToken: 'id+/=%3D ïd-token',
};

/** Every spelling of `secret` an app's storage may quote (as no-secret-anywhere.test.ts checks), computed here. */
function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (match) => match.toLowerCase());
  const plain = [secret, percent, lower(percent), form, lower(form), form.replaceAll('+', '%20')];
  const json = plain.flatMap((text) => {
    const escaped = JSON.stringify(text).slice(1, -1);
    const ascii = escaped.replace(
      /[^\0-\x7f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return [escaped, escaped.replaceAll('/', '\\/'), ascii];
  });
  const padded = Buffer.from(secret, 'utf8').toString('base64');
  const unpadded = padded.replace(/=+$/, '');
  return [...plain, ...json, padded, unpadded, unpadded.replaceAll('+', '-').replaceAll('/', '_')];
}
const FORBIDDEN = Object.values(SECRETS).flatMap(spellings);

/** Every way an app renders what it was handed: message, cause chain, JSON, inspect, own fields. */
function expectNoSecret(value: unknown, what: string): void {
  const out = [String(value), inspect(value, { depth: 20, showHidden: true }), JSON.stringify(value) ?? ''];
  for (let error = value, depth = 0; error instanceof Error && depth < 10; depth++, error = error.cause) {
    out.push(error.message, error.stack ?? '', ...Object.values(error).map((field) => inspect(field)));
  }
  for (const text of out) {
    for (const spelling of FORBIDDEN)
      expect(text.includes(spelling), `${what} leaked ${spelling}`).toBe(false);
  }
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/** A manager on a storage whose `set` throws `thrown(set)`, and the storage_error events and console lines. */
async function writeThrough(thrown: (set: TokenSet) => unknown) {
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args) => logged.push(args);
  try {
    const events: TokenEvent[] = [];
    const storage: TokenStorage = {
      get: () => undefined,
      set: (set) => {
        throw thrown(set);
      },
      remove: () => {},
    };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
      storage,
    });
    managers.push(tokens);
    tokens.subscribe((event) => {
      events.push(event);
      // A listener that throws it is logged: that line must not leak either.
      if (event.type === 'storage_error') throw event.error;
    });
    await tokens.setTokens({
      access_token: SECRETS.accessToken,
      refresh_token: SECRETS.refreshToken,
      id_token: SECRETS.idToken,
      expires_in: 60,
    });
    return { errors: events.filter((event) => event.type === 'storage_error'), logged };
  } finally {
    console.error = original;
  }
}

describe('a storage error that quotes the set in an own property, not its message', () => {
  const spelled = (set: TokenSet) =>
    [set.accessToken, set.refreshToken ?? '', set.idToken ?? ''].flatMap(spellings);
  const thrown: Array<[string, (set: TokenSet) => unknown]> = [
    ['a string property', (set) => Object.assign(new Error('write failed'), { value: JSON.stringify(set) })],
    [
      'every spelling, each in a property',
      (set) => Object.assign(new Error('write failed'), { ...spelled(set) }),
    ],
    [
      'an ioredis-like command: { name, args: [...] }',
      (set) =>
        Object.assign(new Error('ERR write failed'), {
          command: { name: 'set', args: ['tessera:default', ...spelled(set), 'PX', 60_000] },
        }),
    ],
    [
      'a property of an error down the cause chain',
      (set) =>
        new Error('write failed', {
          cause: Object.assign(new Error('driver'), { code: 'EDRIVER', sent: { entry: { set } } }),
        }),
    ],
    [
      'a string deeper than it is looked (5 objects down): assumed to quote',
      (set) =>
        Object.assign(new Error('write failed'), { a: { b: { c: { d: { e: JSON.stringify(set) } } } } }),
    ],
    [
      'a string past the 100 values looked at: assumed to quote',
      (set) =>
        Object.assign(new Error('write failed'), { log: [...Array(150).fill('ok'), JSON.stringify(set)] }),
    ],
  ];

  it.each(thrown)('%s: storage_error and the console show none of its tokens', async (_, thrower) => {
    const { errors, logged } = await writeThrough(thrower);
    expect(errors.map((event) => event.operation)).toEqual(['set']);
    // Still the storage's own message (and a driver's string code).
    expect(errors[0]?.error).toMatchObject({ message: expect.stringMatching(/write failed/) });
    for (const event of errors) expectNoSecret(event, 'storage_error');
    expect(logged).toHaveLength(1);
    for (const line of logged) expectNoSecret(line, 'console');
  });

  it('a plain case: a token in a property is left out, the message and string code kept', async () => {
    const { errors } = await writeThrough((set) =>
      Object.assign(new Error('write failed'), { code: 'EQUOTA', value: JSON.stringify(set) }),
    );
    const { error } = errors[0] as { error: Error };
    expect(error).toMatchObject({ message: 'write failed', code: 'EQUOTA' });
    expect(error).not.toHaveProperty('value');
    expect(inspect(error, { depth: 20 })).not.toContain('rt+/=%2F');
  });

  it('a code quoting a token is redacted in the copy', async () => {
    const { errors } = await writeThrough((set) =>
      Object.assign(new Error('write failed'), { code: `E ${set.refreshToken}` }),
    );
    const { error } = errors[0] as { error: Error };
    expect(error).toMatchObject({ message: 'write failed', code: expect.stringMatching(/^E \[redacted\]/) });
    expectNoSecret(error, 'code');
  });

  it('an error with an enumerable getter that throws: storage_error still emitted, as a copy (never a TypeError in its place)', async () => {
    const { errors } = await writeThrough(() =>
      Object.defineProperty(new Error('write failed'), 'detail', {
        enumerable: true,
        get() {
          throw new TypeError('not readable here');
        },
      }),
    );
    expect(errors.map((event) => event.operation)).toEqual(['set']);
    expect(errors[0]?.error).toMatchObject({ message: 'write failed' });
    expect(errors[0]?.error).not.toHaveProperty('detail');
  });

  it('an error whose properties quote nothing is passed on as it is (its class kept)', async () => {
    class QuotaError extends Error {}
    const quota = Object.assign(new QuotaError('full'), {
      code: 'EQUOTA',
      command: { name: 'set', args: ['k', 3] },
    });
    const { errors } = await writeThrough(() => quota);
    expect(errors[0]?.error).toBe(quota);
  });
});
