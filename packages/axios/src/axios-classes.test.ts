import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Every import of a value (not `import type`) from the `axios` package, per source file. */
function valueImportsOfAxios(): string[] {
  const dir = new URL('./', import.meta.url);
  const found: string[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.endsWith('.test-d.ts')) continue;
    const source = readFileSync(new URL(file, dir), 'utf8');
    for (const [statement] of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'axios';/gms)) {
      if (!/^import\s+type\s/.test(statement)) found.push(file);
    }
  }
  return found;
}

describe('axios classes', () => {
  it('are taken from axios in one module, so a bundle with axios external loads it once', () => {
    // Each module importing a value from axios became its own `require("axios")` in a browser bundle
    // that keeps axios external (issue #13's size rows): one module, one require (decision 0018).
    expect(valueImportsOfAxios()).toEqual(['axios-classes.ts']);
  });
});
