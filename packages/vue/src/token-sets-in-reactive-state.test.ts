import { TokenManager, type TokenSet } from '@tessera/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isReactive, markRaw, nextTick, reactive, readonly, ref, watch } from 'vue';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/** A manager whose token endpoint answers `at-1`, `at-2`, …; its sets are frozen (decision 0007). */
function manager(): TokenManager {
  let issued = 0;
  const tokens = new TokenManager({
    fetchTokens: async () => ({ access_token: `at-${++issued}`, expires_in: 600 }),
  });
  managers.push(tokens);
  return tokens;
}

describe("a TokenManager's sets (frozen) in Vue state", () => {
  it('can be held in reactive() state: read as they are, and a new set triggers watchers', async () => {
    const tokens = manager();
    const state = reactive({ set: await tokens.getTokens() });
    expect(Object.isFrozen(state.set)).toBe(true);
    expect(isReactive(state.set)).toBe(false); // a frozen object is not proxied
    expect(state.set.accessToken).toBe('at-1');
    const seen: string[] = [];
    watch(
      () => state.set,
      (set) => seen.push(set.accessToken),
    );
    state.set = await tokens.getTokens({ forceRefresh: true });
    await nextTick();
    expect(seen).toEqual(['at-2']);
    expect(state.set.accessToken).toBe('at-2');
  });

  it('can be the value of a ref, watched deeply, and passed to reactive(), readonly() and markRaw()', async () => {
    const tokens = manager();
    const set = await tokens.getTokens();
    const held = ref<TokenSet>(set);
    const seen: string[] = [];
    watch(held, (value) => seen.push(value.accessToken), { deep: true });
    expect(held.value.accessToken).toBe('at-1');
    expect(reactive(set)).toBe(set);
    expect(readonly(set)).toBe(set);
    expect(markRaw(set)).toBe(set);
    held.value = await tokens.getTokens({ forceRefresh: true });
    await nextTick();
    expect(seen).toEqual(['at-2']);
  });
});
