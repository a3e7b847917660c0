import { describe, expect, it } from 'vitest';
import { createDPoP } from './create-dpop.js';
import { memoryKeyStore } from './keys/key-store.js';

describe('createDPoP options from JavaScript callers', () => {
  it('refuses an unknown option with a "did you mean"', () => {
    expect(() => createDPoP({ Clock: () => 0 } as never)).toThrow(
      new TypeError('createDPoP(options): unknown option "Clock" — did you mean "clock"?'),
    );
    expect(() => createDPoP({ keystore: memoryKeyStore() } as never)).toThrow(/did you mean "keyStore"/);
  });

  it.each([[null], [5], ['x']])('refuses options that are not an object (%j)', (value) => {
    expect(() => createDPoP(value as never)).toThrow(TypeError);
    expect(() => createDPoP(value as never)).toThrow(/createDPoP\(options\): options must be an object/);
  });

  it.each([
    ['clock', '60', /clock must be a function, got string/],
    ['clock', Number.NaN, /clock must be a function, got number/],
    ['fetch', true, /fetch must be a function, got boolean/],
    ['onEvent', {}, /onEvent must be a function, got object/],
    ['keyStore', 5, /keyStore must be a DPoPKeyStore such as memoryKeyStore\(\)/],
    ['keyStore', {}, /keyStore must be a DPoPKeyStore/],
  ])('refuses %s: %s when created, naming the option', (name, value, message) => {
    expect(() => createDPoP({ [name]: value } as never)).toThrow(TypeError);
    expect(() => createDPoP({ [name]: value } as never)).toThrow(message);
  });

  it('takes null as not set, and frozen options', async () => {
    const dpop = createDPoP(
      Object.freeze({ clock: null, fetch: null, onEvent: null, keyStore: null }) as never,
    );
    const info = await dpop.ready();
    expect(info.persistent).toBe(false);
    expect(info.thumbprint).toMatch(/^[\w-]{43}$/);
  });
});
