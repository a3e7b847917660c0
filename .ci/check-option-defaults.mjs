#!/usr/bin/env node
// Decision 0028. Lists the optional properties of every exported `…Options` or `…Props` type (packages/*/src/index.ts) whose JSDoc has no
// `@default` tag: a user reading the types or the README options table must be able to see what happens when an
// option is left out. A property with nothing to default to says so (`@default undefined`, with a sentence on what
// that means). Exit code 1 when one is missing.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ts = createRequire(import.meta.url)('typescript');
const entries = readdirSync(`${root}packages`)
  .map((name) => `${root}packages/${name}/src/index.ts`)
  .filter((file) => existsSync(file) && !file.includes('/e2e-support/'));
const program = ts.createProgram(entries, {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  customConditions: ['@tessera/source'],
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const missing = new Set();
let checked = 0;
for (const entry of entries) {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry));
  for (const exported of checker.getExportsOfModule(module)) {
    if (!/(Options|Props)$/.test(exported.name)) continue;
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
    for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      if (!(property.flags & ts.SymbolFlags.Optional)) continue;
      for (const declaration of property.declarations ?? []) {
        const file = declaration.getSourceFile().fileName;
        if (!file.startsWith(`${root}packages/`)) continue;
        checked += 1;
        if (ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'default')) continue;
        const { line } = declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart());
        missing.add(`${file.slice(root.length)}:${line + 1} ${symbol.name}.${property.name}`);
      }
    }
  }
}
for (const line of [...missing].sort()) console.log(line);
console.log(`${checked} optional option properties checked, ${missing.size} without @default`);
process.exit(missing.size === 0 ? 0 : 1);
