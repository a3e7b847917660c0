import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

// Second read of stop 36: `#storageError` redacted the sets the manager holds, last wrote and last removed,
// and now also the set storage last handed it. A refresh whose base is a newer set another replica stored (read in the
// critical section, never adopted) replaces that set: a storage that says which set it could not replace
// quotes it, and it is none of the other three.

const NOW = 1_700_000_000_000;
let now = NOW;
const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  now = NOW;
});

describe('a storage error quoting the stored set a refresh replaced (another replica’s, never adopted)', () => {
  it('storage_error shows none of that set’s tokens', async () => {
    let held: TokenSet | undefined;
    // An app's storage without subscribe (no pub/sub): it cannot overwrite what it holds, and says which.
    const storage: TokenStorage = {
      get: () => held,
      set: (set) => {
        if (held?.refreshToken === 'rt-replica-secret')
          throw new Error(`cannot replace ${JSON.stringify(held)}`);
        held = set;
      },
      remove: () => {
        held = undefined;
      },
    };
    const tokens = new TokenManager({
      fetchTokens: async ({ refreshToken }) => ({
        access_token: `at-after-${refreshToken}`,
        refresh_token: 'rt-new',
        expires_in: 600,
      }),
      storage,
      clock: () => now,
      retry: false,
    });
    managers.push(tokens);
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => void events.push(event));
    await tokens.setTokens({ access_token: 'at-own', refresh_token: 'rt-own', expires_in: 600 });
    // Another replica refreshed meanwhile and stored its set, due a little later than ours (still valid).
    held = Object.freeze({
      accessToken: 'at-replica-secret',
      refreshToken: 'rt-replica-secret',
      tokenType: 'Bearer',
      expiresAt: NOW + 620_000,
      issuedAt: NOW + 20_000,
    }) as TokenSet;
    now = NOW + 590_000; // both sets are due

    await tokens.getAccessToken();

    const errors = events.filter((event) => event.type === 'storage_error');
    expect(errors.map((event) => event.operation)).toEqual(['set']);
    expect(inspect(errors, { depth: 10 })).not.toContain('at-replica-secret');
  });
});
