#!/usr/bin/env node
// Loads every built package the way users will: `require()` of the CJS build and `import()` of the
// ESM build, from a plain Node process without any source condition. Catches ESM-only dependencies
// leaking into CJS, missing files and broken export maps that type checks cannot see.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packagesDir = fileURLToPath(new URL('../packages/', import.meta.url));
let failures = 0;
for (const name of readdirSync(packagesDir)) {
  const dir = `${packagesDir}${name}/`;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
  } catch {
    continue;
  }
  const require = createRequire(`${dir}package.json`);
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object' || !target.require) continue;
    const cjsFile = `${dir}${target.require.default ?? target.require}`;
    const esmFile = `${dir}${target.import.default ?? target.import}`;
    try {
      const cjs = require(cjsFile);
      const esm = await import(pathToFileURL(esmFile).href);
      const cjsKeys = Object.keys(cjs).sort().join();
      const esmKeys = Object.keys(esm).sort().join();
      if (cjsKeys !== esmKeys) throw new Error(`CJS exports ${cjsKeys} differ from ESM exports ${esmKeys}`);
      if (Object.keys(esm).length === 0) throw new Error('no exports');
      console.log(
        `ok   ${manifest.name}${subpath === '.' ? '' : subpath.slice(1)} (${Object.keys(esm).length} exports)`,
      );
    } catch (error) {
      failures += 1;
      console.log(`FAIL ${manifest.name}${subpath === '.' ? '' : subpath.slice(1)}: ${error.message}`);
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
