import { describe, expect, it, vi } from 'vitest';
import { isReactive, markRaw, nextTick, reactive, ref, watch } from 'vue';
import { TokenManager } from './token-manager.js';

function manager(): TokenManager {
  return new TokenManager({ fetchTokens: async () => ({ access_token: 'at-1', expires_in: 600 }) });
}

describe('a TokenManager inside Vue reactivity', () => {
  it('works inside reactive() state (Pinia stores state the same way)', async () => {
    const state = reactive({ tokens: manager() });
    expect(isReactive(state.tokens)).toBe(false);
    expect(await state.tokens.getAccessToken()).toBe('at-1');
    expect(state.tokens.invalidate('at-1')).toBe(true);
    expect((await state.tokens.getTokens()).tokenType).toBe('Bearer');
    state.tokens.dispose();
  });

  it('works as the value of a ref', async () => {
    const tokens = ref(manager());
    expect(await tokens.value.getAccessToken()).toBe('at-1');
    tokens.value.dispose();
  });

  it('is not walked by a deep watcher', async () => {
    const tokens = manager();
    const state = reactive({ tokens, count: 0 });
    const reads = vi.spyOn(tokens, 'peekTokens');
    const keyRead = vi.fn();
    Object.defineProperty(tokens, 'probe', { get: keyRead, enumerable: true, configurable: true });
    const seen = vi.fn();
    watch(state, seen, { deep: true });
    state.count += 1;
    await nextTick();
    expect(seen).toHaveBeenCalledTimes(1);
    expect(keyRead).not.toHaveBeenCalled();
    expect(reads).not.toHaveBeenCalled();
    tokens.dispose();
  });

  it('keeps the marker out of enumeration, JSON and spreading', () => {
    const tokens = manager();
    expect(Object.keys(tokens)).toEqual([]);
    expect(JSON.stringify(tokens)).toBe('{}');
    tokens.dispose();
  });

  it('can be passed to markRaw of Vue 3.4, which redefines the marker instead of checking it first', () => {
    const tokens = manager();
    // What Vue 3.4's markRaw() does: def(value, '__v_skip', true).
    const def = () =>
      Object.defineProperty(tokens, '__v_skip', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: true,
      });
    expect(def).not.toThrow();
    expect(markRaw(tokens)).toBe(tokens);
    tokens.dispose();
  });
});
