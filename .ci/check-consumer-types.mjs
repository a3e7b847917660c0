#!/usr/bin/env node
// Do the published types compile for the people who install them? Packs every publishable package
// (.ci/pack-tarballs.mjs), installs the tarballs with npm into two consumer projects in a temporary
// directory outside the workspace, and runs `tsc --noEmit` with `skipLibCheck: false` on a file that
// imports every entry point (every key of every package's `exports` map):
//   node16   moduleResolution/module node16, lib ES2022, @types/node, no DOM — as ESM (.mts) and CJS (.cts)
//   bundler  moduleResolution bundler, lib ES2022 + DOM, no @types/node (`types: []`)
// Peer dependencies come from each package's `peerDependencies` (with the version the workspace tests
// against) plus `@types/<peer>` when the package dev-depends on it. Entry points whose types import
// `node:` modules are Node-only by design and are left out of the bundler project (listed in the output).
// Run after building: `pnpm -r --filter './packages/*' build && node .ci/check-consumer-types.mjs`.
// `--keep` leaves the temporary projects in place for inspection.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTarballs, repoRoot, tarballSpecs } from './pack-tarballs.mjs';

const keep = process.argv.includes('--keep');
const rootManifest = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8'));
const typescriptVersion = rootManifest.devDependencies.typescript;
const typesNodeVersion = '^20.19.0'; // Node 20 is the floor

const packed = await packTarballs();
const tarballs = tarballSpecs(packed);

/** Peer dependencies of the packed packages that are not packed themselves, at the tested version. */
function peerDependencies() {
  const peers = {};
  for (const { manifest } of packed) {
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (tarballs[name]) continue;
      peers[name] = testedVersion(manifest, name) ?? range;
      const types = `@types/${name.replace(/^@([^/]+)\/(.+)$/, '$1__$2')}`;
      const typesVersion = testedVersion(manifest, types);
      if (typesVersion) peers[types] = typesVersion;
    }
  }
  return peers;
}

function testedVersion(manifest, name) {
  for (const version of [manifest.devDependencies?.[name], rootManifest.devDependencies?.[name]]) {
    if (version && !version.startsWith('workspace:') && !version.startsWith('npm:')) return version;
  }
  return undefined;
}

/** Every entry point: `@tessera/x` and `@tessera/x/sub`, with whether it has a CJS build and Node-only types. */
function entryPoints() {
  const entries = [];
  for (const pkg of packed) {
    for (const [subpath, target] of Object.entries(pkg.manifest.exports ?? { '.': pkg.manifest.types })) {
      if (subpath === './package.json' || subpath.includes('*')) continue;
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const esmTypes = typeof target === 'object' ? (target.import?.types ?? target.types) : undefined;
      const typesText = esmTypes ? readFileSync(join(pkg.dir, esmTypes), 'utf8') : '';
      const nodeOnly = /from ['"]node:|reference types=["']node["']/.test(typesText);
      entries.push({
        specifier,
        hasRequire: typeof target === 'object' && Boolean(target.require),
        nodeOnly,
      });
    }
  }
  return entries;
}

const entries = entryPoints();
const importAll = (list) =>
  `${list.map(({ specifier }, index) => `import * as entry${index} from '${specifier}';`).join('\n')}\n` +
  `export type Everything = [${list.map((_, index) => `typeof entry${index}`).join(', ')}];\n`;

// Beyond loading the declarations: what a user writes that depends on how we typed the Web APIs.
const coreUsageNode = `
import { type TokenManager, webStorage } from '@tessera/core';
declare const tokens: TokenManager;
export function disposeWithUsing(): void {
  using managed = tokens; // Symbol.dispose is known here through @types/node
  void managed;
}
const area = new Map<string, string>();
export const storage = webStorage({
  getItem: (key) => area.get(key) ?? null,
  setItem: (key, value) => void area.set(key, value),
  removeItem: (key) => void area.delete(key),
});
`;
const coreUsageBrowser = `
import { crossTab, type TokenManager, webStorage } from '@tessera/core';
declare const tokens: TokenManager;
tokens.dispose();
export const storage = webStorage(localStorage);
export const session = webStorage(sessionStorage);
export const sync = crossTab({ locks: navigator.locks, BroadcastChannel });
`;
const hasCore = Boolean(tarballs['@tessera/core']);

const projects = [
  {
    name: 'node16',
    dependencies: { typescript: typescriptVersion, '@types/node': typesNodeVersion },
    compilerOptions: {
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['ES2022'],
      types: ['node'],
    },
    files: {
      'esm.mts': importAll(entries) + (hasCore ? coreUsageNode : ''),
      'cjs.cts': importAll(entries.filter((entry) => entry.hasRequire)),
    },
  },
  {
    name: 'bundler',
    dependencies: { typescript: typescriptVersion },
    compilerOptions: {
      module: 'ESNext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM'],
      types: [],
    },
    files: {
      'index.ts': importAll(entries.filter((entry) => !entry.nodeOnly)) + (hasCore ? coreUsageBrowser : ''),
    },
  },
];

/**
 * Splits tsc's output into errors in our files (the consumer's sources, `@tessera/*` declarations) and a
 * count per third-party package whose own declarations fail under these settings (e.g. msw's need the
 * DOM lib): those are that package's to fix and say nothing about ours.
 */
function triage(output) {
  const ours = [];
  const thirdParty = new Map();
  let current;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const file = /^(.+?)\(\d+,\d+\): error/.exec(line)?.[1];
    if (file === undefined) {
      if (current === 'ours' || !/^\s/.test(line)) ours.push(line);
      continue;
    }
    const dependency = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
    if (dependency && !tarballs[dependency]) {
      current = 'third-party';
      thirdParty.set(dependency, (thirdParty.get(dependency) ?? 0) + 1);
    } else {
      current = 'ours';
      ours.push(line);
    }
  }
  return { ours, thirdParty };
}

const workDir = mkdtempSync(join(tmpdir(), 'tessera-consumer-types-'));
console.log(`consumer projects in ${workDir}`);
const skipped = entries.filter((entry) => entry.nodeOnly).map((entry) => entry.specifier);
if (skipped.length > 0)
  console.log(`Node-only entry points (not in the bundler project): ${skipped.join(', ')}`);

let failures = 0;
try {
  for (const project of projects) {
    const dir = join(workDir, project.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: `tessera-consumer-${project.name}`,
          private: true,
          type: 'module',
          dependencies: { ...tarballs, ...peerDependencies(), ...project.dependencies },
          overrides: tarballs,
        },
        null,
        2,
      ),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            exactOptionalPropertyTypes: true,
            ...project.compilerOptions,
          },
          files: Object.keys(project.files),
        },
        null,
        2,
      ),
    );
    for (const [file, text] of Object.entries(project.files)) writeFileSync(join(dir, file), text);

    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel=error'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (install.status !== 0) {
      failures += 1;
      console.log(`FAIL ${project.name}: npm install failed\n${install.stdout}${install.stderr}`);
      continue;
    }
    const tsc = spawnSync(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const { ours, thirdParty } = triage(`${tsc.stdout}${tsc.stderr}`.replaceAll(`${dir}/`, ''));
    if (thirdParty.size > 0) {
      const counts = [...thirdParty].map(([name, count]) => `${name} (${count})`).join(', ');
      console.log(
        `note ${project.name}: errors in declarations of other packages, not ours, ignored: ${counts}`,
      );
    }
    if (tsc.status === 0 || ours.length === 0) {
      console.log(
        `ok   ${project.name}: ${Object.keys(project.files).join(', ')} compile with skipLibCheck: false`,
      );
    } else {
      failures += 1;
      console.log(`FAIL ${project.name}:\n${ours.join('\n')}`);
    }
  }
} finally {
  if (keep) console.log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
process.exit(failures === 0 ? 0 : 1);
