import { crossTab, memoryStorage, TokenManager } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import { createDPoP } from './create-dpop.js';

const answer = { token_type: 'DPoP', refresh_token: 'rt', expires_in: 600 };

/** One client of the origin: its own key, its own storage, `crossTab()` with the default name. */
function client(key: string) {
  const storage = memoryStorage();
  const fetchTokens = vi.fn(async () => ({ ...answer, access_token: `refreshed-${key}` }));
  const manager = new TokenManager({
    key,
    senderConstraint: createDPoP(),
    storage,
    crossTab: crossTab(),
    fetchTokens,
  });
  const events: string[] = [];
  manager.subscribe((event) => events.push(event.type));
  return { manager, storage, events, fetchTokens };
}

describe('two DPoP clients on one origin (decision 1202)', () => {
  it('keep their sessions apart when each manager has its own key: no DPoPKeyLostError, no sign-out', async () => {
    const web = client('web');
    const admin = client('admin');
    const heard = new BroadcastChannel('tessera');
    const webAnnounced = new Promise((resolve) => (heard.onmessage = resolve));
    await admin.manager.setTokens({ ...answer, access_token: 'admin-1' });
    await web.manager.setTokens({ ...answer, access_token: 'web-1' });
    await webAnnounced; // the admin tabs heard the web client's sign-in too

    await admin.manager.invalidate('admin-1'); // a refresh re-reads storage under the lock
    expect(await admin.manager.getAccessToken()).toBe('refreshed-admin');

    expect(admin.events).toEqual(['tokens_set', 'invalidated', 'refreshed']);
    expect(web.events).toEqual(['tokens_set']);
    expect(web.manager.peekTokens()?.accessToken).toBe('web-1');
    expect(web.storage.get()).toMatchObject({ accessToken: 'web-1' });
    expect(admin.fetchTokens).toHaveBeenCalledTimes(1);
    heard.close();
    web.manager.dispose();
    admin.manager.dispose();
  });
});
