import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every shipped source file of every package (tests left out). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' || entry.name === 'e2e' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test(-d)?\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('shipped code', () => {
  // A regex literal with a lookbehind is a syntax error when the module is parsed in Safari < 16.4: the
  // whole package would fail to load there, not one feature. One built by `new RegExp` fails only when run.
  it('has no regex literal with a lookbehind (Safari < 16.4 cannot parse the module)', () => {
    const packages = join(__dirname, '../..');
    const offenders = readdirSync(packages)
      .flatMap((name) => {
        try {
          return sourceFiles(join(packages, name, 'src'));
        } catch {
          return [];
        }
      })
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, index) => [line, `${file}:${index + 1}`] as const)
          .filter(([line]) => /\(\?<[=!]/.test(line) && !/new RegExp\(|^\s*(\/\/|\*)/.test(line))
          .map(([, where]) => where),
      );
    expect(offenders).toEqual([]);
  });
});
