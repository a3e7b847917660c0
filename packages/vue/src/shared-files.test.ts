import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (pkg: string, file: string) =>
  readFileSync(new URL(`../../${pkg}/${file}`, import.meta.url), 'utf8');

describe('the framework-free core of the bindings', () => {
  it.each([
    'src/session.ts',
    'src/sign-in-like.ts',
    'src/session-claims.test.ts',
    'src/session-store.ts',
    'test/support.ts',
  ])('%s is the same file in @tessera/react and @tessera/vue', (file) => {
    expect(read('vue', file)).toBe(read('react', file));
  });
});
