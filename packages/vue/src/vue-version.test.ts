import { describe, expect, it } from 'vitest';
import { version } from 'vue';

describe('the Vue these tests run with', () => {
  it('is 3.5+ in `unit` and 3.4 in `unit-vue-3-4`', () => {
    const expected = process.env.TESSERA_EXPECT_VUE_MINOR;
    if (expected) expect(version.startsWith(`${expected}.`)).toBe(true);
    else expect(Number(version.split('.')[1])).toBeGreaterThanOrEqual(5);
  });
});
