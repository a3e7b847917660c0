import { afterEach, describe, expect, it } from 'vitest';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/** The `storage_error` a manager emits when its storage's `set` throws `thrown`. */
async function storageErrorOf(thrown: unknown): Promise<unknown> {
  const events: TokenEvent[] = [];
  const tokens = new TokenManager({
    fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
    storage: {
      get: () => undefined,
      set: () => {
        throw thrown;
      },
      remove: () => {},
    },
  });
  managers.push(tokens);
  tokens.subscribe((event) => events.push(event));
  await tokens.setTokens({ access_token: 'at-secret-1', refresh_token: 'rt-secret-1', expires_in: 60 });
  const errors = events.flatMap((event) => (event.type === 'storage_error' ? [event.error] : []));
  expect(errors).toHaveLength(1);
  return errors[0];
}

describe('a storage error’s own properties are looked into within bounds (decision 0027)', () => {
  it('a 1000 × 1000 payload (a driver’s batch) is looked at no further than its first 100 values: storage_error a copy without it, the rest never read', async () => {
    let reads = 0;
    const row = Array.from({ length: 1000 }, (_, index) => `value ${index}`);
    const counted = () =>
      new Proxy(row, {
        get(target, key, receiver) {
          reads += 1;
          return Reflect.get(target, key, receiver);
        },
      });
    const error = Object.assign(new Error('write failed'), {
      batch: Array.from({ length: 1000 }, counted),
    });

    const emitted = await storageErrorOf(error);

    expect(reads).toBeLessThan(10_000); // one row, not a million values
    expect(emitted).not.toBe(error);
    expect(emitted).toBeInstanceOf(Error);
    expect((emitted as Error).message).toBe('write failed');
    expect(emitted).not.toHaveProperty('batch');
  });

  it('a plain object nested past 3 levels is not looked into: taken as quoting, the error given as a copy without it', async () => {
    const error = Object.assign(new Error('write failed'), {
      value: { set: { tokens: { note: 'nothing secret here' } } },
    });

    const emitted = await storageErrorOf(error);

    expect(emitted).not.toBe(error);
    expect((emitted as Error).message).toBe('write failed');
    expect(emitted).not.toHaveProperty('value');
  });

  it('a chain exactly 5 errors deep (as deep as the copy goes) quoting nothing is passed on as it is, its class kept', async () => {
    class QuotaError extends Error {}
    let error: Error = new Error('disk 4');
    for (const depth of [3, 2, 1]) error = new Error(`disk ${depth}`, { cause: error });
    const top = new QuotaError('full', { cause: error });

    expect(await storageErrorOf(top)).toBe(top);
  });
});
