import { describe, expect, it } from 'vitest';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

/**
 * A storage shared in one process that tells every subscriber of each write, the manager that wrote
 * it too (an EventEmitter-backed store): what a naive shared storage does.
 */
function echoingStorage(): TokenStorage {
  let value: unknown;
  const listeners = new Set<(tokens: unknown) => void>();
  const tell = (tokens: unknown) => {
    for (const listener of listeners) listener(tokens);
  };
  return {
    get: () => value,
    set: (tokens) => {
      value = tokens;
      tell(tokens);
    },
    remove: () => {
      value = undefined;
      tell(null);
    },
    subscribe: (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

const NOW = 1_700_000_000_000;

/** A token endpoint that counts its requests; past 20 it fails, so a refresh loop ends and is counted. */
function countedEndpoint(expiresIn: number) {
  const endpoint = {
    requests: 0,
    fetchTokens: async () => {
      endpoint.requests += 1;
      if (endpoint.requests > 20) throw new Error('refresh loop');
      return {
        access_token: `at-${endpoint.requests}`,
        refresh_token: `rt-${endpoint.requests}`,
        expires_in: expiresIn,
      };
    },
  };
  return endpoint;
}

describe('a storage that hands the manager its own writes back', () => {
  it('costs one token request for 5 calls when tokens arrive already expired, not a refresh loop', async () => {
    const endpoint = countedEndpoint(0);
    const tokens = new TokenManager({
      fetchTokens: endpoint.fetchTokens,
      storage: echoingStorage(),
      clock: () => NOW,
    });
    const events: TokenEvent['type'][] = [];
    tokens.subscribe((event) => events.push(event.type));
    for (let call = 0; call < 5; call += 1) expect(await tokens.getAccessToken()).toBe('at-1');
    expect(endpoint.requests).toBe(1);
    // Its own refresh, not a set another manager stored.
    expect(events).toEqual(['loaded', 'refreshed']);
    tokens.dispose();
  });

  it('keeps the rejection cooldown: an API that rejects every new token costs 2 token requests, not one per 401', async () => {
    const endpoint = countedEndpoint(600);
    const tokens = new TokenManager({
      fetchTokens: endpoint.fetchTokens,
      storage: echoingStorage(),
      clock: () => NOW,
    });
    for (let call = 0; call < 5; call += 1) tokens.invalidate(await tokens.getAccessToken());
    expect(endpoint.requests).toBe(2);
    tokens.dispose();
  });

  it('still adopts a set another manager on that storage writes', async () => {
    const storage = echoingStorage();
    const endpoint = countedEndpoint(600);
    const first = new TokenManager({ fetchTokens: endpoint.fetchTokens, storage, clock: () => NOW });
    const second = new TokenManager({ fetchTokens: endpoint.fetchTokens, storage, clock: () => NOW });
    expect(await first.getAccessToken()).toBe('at-1');
    expect(await second.getAccessToken()).toBe('at-1');
    await second.setTokens({ access_token: 'signed-in', refresh_token: 'rt-new', expires_in: 600 });
    expect(await first.getAccessToken()).toBe('signed-in');
    await second.clear();
    expect(first.peekTokens()).toBeUndefined();
    expect(endpoint.requests).toBe(1);
    first.dispose();
    second.dispose();
  });
});
