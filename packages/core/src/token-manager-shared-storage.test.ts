import { afterEach, describe, expect, it } from 'vitest';
import { rotatingRefreshTokens } from '../test/fixtures/rotating-refresh-tokens.js';
import type { TokenEvent } from './events.js';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

describe('two managers sharing one storage without a lock (rotating refresh tokens)', () => {
  it('lets the loser adopt the set the winner stored instead of ending the session', async () => {
    const server = rotatingRefreshTokens();
    const storage = memoryStorage();
    storage.set({ accessToken: 'at-0', tokenType: 'Bearer', refreshToken: 'rt-0', expiresAt: 0 });
    const winner = new TokenManager({ fetchTokens: server.fetchTokens, storage, retry: false });
    const loser = new TokenManager({ fetchTokens: server.fetchTokens, storage, retry: false });
    managers.push(winner, loser);
    const events: TokenEvent['type'][] = [];
    loser.subscribe((event) => events.push(event.type));

    // Both read rt-0; the winner's request is answered first and stores rt-1.
    const hold = server.hold();
    const first = winner.getAccessToken();
    const second = loser.getAccessToken();
    await hold.arrived;
    hold.release();
    const [a, b] = await Promise.all([first, second]);

    expect(server.requests.map((request) => request.error)).toEqual([undefined, 'invalid_grant']);
    expect(b).toBe(a);
    expect(events).toContain('synced');
    expect(events).not.toContain('session_expired');
    expect(events).not.toContain('cleared');
    expect((storage.get() as { refreshToken: string }).refreshToken).toBe('rt-1');
  });
});
