import { describe, expect, it } from 'vitest';
import { describeExpiresIn } from './describe-expires-in.js';

const NOW = 1_700_000_000_000;

describe('describeExpiresIn', () => {
  it('says never for a token without an expiry', () => {
    expect(describeExpiresIn(undefined, NOW)).toBe('never');
  });

  it('counts whole seconds until expiry', () => {
    expect(describeExpiresIn(NOW + 30_000, NOW)).toBe('30 s');
    expect(describeExpiresIn(NOW + 27_000, NOW)).toBe('27 s');
  });

  it('rounds a partial second up, so it reaches 0 s only once the token has expired', () => {
    expect(describeExpiresIn(NOW + 26_001, NOW)).toBe('27 s');
    expect(describeExpiresIn(NOW + 999, NOW)).toBe('1 s');
    expect(describeExpiresIn(NOW + 1, NOW)).toBe('1 s');
    expect(describeExpiresIn(NOW, NOW)).toBe('0 s');
  });

  it('shows 0 s, never a negative count, for an expired token', () => {
    expect(describeExpiresIn(NOW - 1, NOW)).toBe('0 s');
    expect(describeExpiresIn(NOW - 90_000, NOW)).toBe('0 s');
  });
});
