import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/** An Error `depth` causes deep whose last cause is `last`. */
const chain = (depth: number, last: unknown): Error => {
  let error = new Error(`level ${depth}`, { cause: last });
  for (let level = depth - 1; level > 0; level--) error = new Error(`level ${level}`, { cause: error });
  return error;
};

describe('a storage error whose cause the copy cannot keep (not an Error, or past 5 deep) quoting the set', () => {
  const causes: Array<[string, (json: string) => unknown]> = [
    ['a string cause', (json) => new Error('cannot write', { cause: `server said: ${json}` })],
    ['an object cause', (json) => new Error('cannot write', { cause: { status: 507, body: json } })],
    ['an Error 7 causes deep', (json) => chain(7, new Error(`driver: ${json}`))],
  ];

  it.each(causes)(
    '%s: storage_error shows none of its tokens, still with the storage’s message',
    async (_, thrown) => {
      const events: TokenEvent[] = [];
      const storage: TokenStorage = {
        get: () => undefined,
        set: (set) => {
          throw thrown(JSON.stringify(set));
        },
        remove: () => {},
      };
      const tokens = new TokenManager({
        fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
        storage,
      });
      managers.push(tokens);
      tokens.subscribe((event) => void events.push(event));

      await tokens.setTokens({
        access_token: 'at-secret-0001',
        refresh_token: 'rt-secret-0001',
        expires_in: 60,
      });

      const errors = events.filter((event) => event.type === 'storage_error');
      expect(errors.map((event) => event.operation)).toEqual(['set']);
      const shown = inspect(errors, { depth: 20 });
      expect(shown).not.toContain('at-secret-0001');
      expect(shown).not.toContain('rt-secret-0001');
      expect(shown).toMatch(/cannot write|level 1/);
    },
  );

  it('an Error whose causes are all Errors and quote nothing is passed on as it is (its class kept)', async () => {
    class QuotaError extends Error {}
    const thrown = new QuotaError('full', { cause: new Error('no room') });
    const events: TokenEvent[] = [];
    const storage: TokenStorage = {
      get: () => undefined,
      set: () => {
        throw thrown;
      },
      remove: () => {},
    };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
      storage,
    });
    managers.push(tokens);
    tokens.subscribe((event) => void events.push(event));
    await tokens.setTokens({ access_token: 'at-secret-0001', expires_in: 60 });
    expect((events.find((event) => event.type === 'storage_error') as { error: unknown }).error).toBe(thrown);
  });
});
