import { describe, expect, it } from 'vitest';
import { createTestClock } from './test-clock.js';

describe('createTestClock', () => {
  it('stands still until advanced or set', () => {
    const clock = createTestClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('has a now() that works detached, as a TokenManager clock', () => {
    const { now, advance } = createTestClock(0);
    advance(10);
    expect(now()).toBe(10);
  });

  it('rejects a non-finite time', () => {
    expect(() => createTestClock(Number.NaN)).toThrow(TypeError);
    expect(() => createTestClock(0).advance(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});
