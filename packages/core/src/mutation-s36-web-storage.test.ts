import { describe, expect, it } from 'vitest';
import { fakeStorageArea as fakeStorage } from '../test/fixtures/fake-storage-area.js';
import { webStorage } from './storage/web-storage.js';

// Mutation sweep, stop 36: the set a failed write replaced is also the one this storage itself wrote last.
describe('webStorage used directly, a write that fails after one it stored', () => {
  it('removes the set it stored itself: a reload finds no set with a spent refresh token', async () => {
    const area = fakeStorage();
    const storage = webStorage(area);
    await storage.set({ accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt-1' });
    expect(JSON.parse(area.getItem('tessera.tokens') ?? '{}')).toMatchObject({ refreshToken: 'rt-1' });
    // localStorage fills up: the next set cannot be stored.
    area.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };

    expect(() => storage.set({ accessToken: 'at-2', tokenType: 'Bearer', refreshToken: 'rt-2' })).toThrow(
      expect.objectContaining({ name: 'QuotaExceededError' }),
    );
    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(await webStorage(area).get()).toBeUndefined();
  });
});
