import { TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** What a careless mock (or an old polyfill) resolves with: a 401 look-alike without `headers.get`. */
const lookAlikes: Array<[string, () => Response]> = [
  ['no headers', () => ({ ok: false, status: 401, json: async () => ({}) }) as unknown as Response],
  [
    'headers as a plain object',
    () => ({ ok: false, status: 401, headers: { 'www-authenticate': 'Bearer' } }) as unknown as Response,
  ],
];
const paths: Array<[string, boolean]> = [
  ['a token fresh at once (the fast path)', true],
  ['a token fetched first', false],
];

/**
 * Sends one request through `withTokens` over a fetch resolving with what `answer` makes (a token
 * stored first, or fetched first): the named TypeError, one send, no refresh.
 */
async function expectNamedTypeError(answer: () => unknown, stored: boolean): Promise<void> {
  const fetchTokens = vi.fn(async () => ({ access_token: 'at-1', expires_in: 300 }));
  const tokens = new TokenManager({ fetchTokens, retry: false });
  managers.push(tokens);
  if (stored) await tokens.setTokens({ access_token: 'at-0', expires_in: 300 });
  const fetch = vi.fn(async () => answer() as Response);
  const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });

  const error = await api('orders').catch((e: unknown) => e);

  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe('withTokens(): fetch must resolve with a Response');
  expect((error as Error).cause).toBeInstanceOf(TypeError);
  expect(fetch).toHaveBeenCalledTimes(1);
  expect(fetchTokens).toHaveBeenCalledTimes(stored ? 0 : 1);
}

describe('withTokens over a fetch that resolves with something that is not a Response', () => {
  it.each(
    lookAlikes.flatMap(([what, lookAlike]) =>
      paths.map(([path, stored]) => [what, path, lookAlike, stored] as const),
    ),
  )(
    'rejects a 401 look-alike (%s) with a TypeError that names the problem, with %s: one send, no refresh',
    (_, __, lookAlike, stored) => expectNamedTypeError(lookAlike, stored),
  );
});

describe('withTokens over a fetch that resolves with nothing', () => {
  it.each(
    [undefined, null].flatMap((nothing) =>
      paths.map(([path, stored]) => [String(nothing), path, stored] as const),
    ),
  )(
    'rejects a fetch that resolves with %s with the same named TypeError, with %s: one send, no refresh',
    (nothing, _, stored) => expectNamedTypeError(() => (nothing === 'null' ? null : undefined), stored),
  );
});
