import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('public/mockServiceWorker.js', () => {
  it('is the worker script of the installed msw (run `pnpm exec msw init public` after upgrading msw)', () => {
    const committed = readFileSync(new URL('../public/mockServiceWorker.js', import.meta.url), 'utf8');
    const installed = readFileSync(
      createRequire(import.meta.url).resolve('msw/mockServiceWorker.js'),
      'utf8',
    );
    expect(committed === installed).toBe(true);
  });
});
