#!/usr/bin/env node
// Packs every publishable package (each `packages/*` whose package.json is not `"private": true`) with
// `pnpm pack`, exactly as `pnpm publish` would (workspace: ranges replaced by versions), into
// `.artifacts/tarballs/`, and fails when a tarball holds anything a user must not download: tests
// (`*.test.ts`, `*.test-d.ts`), test folders (`test/`, `e2e/`, `__tests__/`, fixtures), or any file
// outside dist/, src/, README, LICENSE, CHANGELOG and package.json.
//
// Reused by the consumer type check (.ci/check-consumer-types.mjs) and by the copy-out starter test:
//   import { packTarballs } from '../.ci/pack-tarballs.mjs';
//   const packed = await packTarballs();            // every publishable package, built beforehand
//   packed[0] → { name, version, dir, tarball, files, manifest }
//   const specs = tarballSpecs(packed);              // { '@tessera/core': 'file:/…/tessera-core-0.1.0.tgz', … }
//   // consumer package.json: { dependencies: { '@tessera/react': specs['@tessera/react'] }, overrides: specs }
// On its own: `node .ci/pack-tarballs.mjs [--build] [--out <dir>] [@tessera/core …]`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where `packTarballs` writes by default. */
export const defaultTarballDir = `${repoRoot}.artifacts/tarballs`;

/**
 * Every publishable workspace package: each `packages/*` with a package.json that is not `"private": true`.
 * @returns {{ name: string, version: string, dir: string, manifest: Record<string, any> }[]} sorted by name
 */
export function publishablePackages() {
  const packagesDir = `${repoRoot}packages/`;
  const found = [];
  for (const entry of readdirSync(packagesDir)) {
    const file = `${packagesDir}${entry}/package.json`;
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private === true) continue;
    found.push({ name: manifest.name, version: manifest.version, dir: `${packagesDir}${entry}`, manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

const allowedTopLevel = /^(dist|src)\/|^(package\.json|README(\.md)?|LICENSE(\.md|\.txt)?|CHANGELOG\.md)$/i;
const forbidden = [
  [/\.test\.[cm]?[jt]sx?$/, 'a test file'],
  [/\.test-d\.[cm]?tsx?$/, 'a type test file'],
  [/\.spec\.[cm]?[jt]sx?$/, 'a test file'],
  [/(^|\/)(test|tests|__tests__|e2e|fixtures|__fixtures__)\//, 'a test folder'],
];

/**
 * The entries of a tarball that must not be published, each with the reason.
 * @param {string[]} files paths inside the package (as `pnpm pack --json` lists them)
 * @returns {string[]} e.g. `src/token-manager.test-d.ts: a type test file`; empty when the tarball is clean
 */
export function forbiddenTarballEntries(files) {
  const problems = [];
  for (const file of files) {
    const hit = forbidden.find(([pattern]) => pattern.test(file));
    if (hit) problems.push(`${file}: ${hit[1]}`);
    else if (!allowedTopLevel.test(file))
      problems.push(`${file}: not dist/, src/, README, LICENSE or package.json`);
  }
  return problems;
}

/**
 * Packs publishable packages into tarballs, checking each one's contents.
 * @param {{ outDir?: string, packages?: string[], build?: boolean, log?: (line: string) => void }} [options]
 *   outDir: target directory, emptied first (default `.artifacts/tarballs/` of the repository);
 *   packages: package names to pack (default every publishable package);
 *   build: run each package's `build` script first (default false: `pnpm -r --filter './packages/*' build` ran);
 *   log: progress output (default console.log).
 * @returns {Promise<{ name: string, version: string, dir: string, tarball: string, files: string[], manifest: Record<string, any> }[]>}
 *   one entry per package, `tarball` an absolute path.
 * @throws {Error} a package is unknown, has no built dist/, `pnpm pack` fails, or a tarball holds a forbidden file.
 */
export async function packTarballs({
  outDir = defaultTarballDir,
  packages,
  build = false,
  log = console.log,
} = {}) {
  const all = publishablePackages();
  const selected = packages ? packages.map((name) => findPackage(all, name)) : all;
  const target = resolve(outDir);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const packed = [];
  const problems = [];
  for (const pkg of selected) {
    if (build) runPnpm(['run', 'build'], pkg.dir, `build ${pkg.name}`);
    if (!existsSync(`${pkg.dir}/dist`)) {
      throw new Error(
        `${pkg.name} has no dist/ in ${pkg.dir}: build it first (pnpm --filter ${pkg.name} build)`,
      );
    }
    const stdout = runPnpm(['pack', '--json', '--pack-destination', target], pkg.dir, `pack ${pkg.name}`);
    const result = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const files = result.files.map((file) => file.path);
    for (const problem of forbiddenTarballEntries(files)) problems.push(`${pkg.name}: ${problem}`);
    packed.push({ ...pkg, tarball: resolve(target, result.filename), files });
    log(`packed ${pkg.name}@${pkg.version} (${files.length} files) → ${result.filename}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `Tarballs hold files that must not be published (fix "files" in package.json):\n  ${problems.join('\n  ')}`,
    );
  }
  return packed;
}

/**
 * What a consumer's package.json needs to install the tarballs with npm, outside the workspace:
 * `overrides` pins every packed package (also when only a dependency of another one needs it, so npm
 * never looks for `@tessera/*` in the registry); put the packages you import in `dependencies`.
 * @param {{ name: string, tarball: string }[]} packed what `packTarballs` returned
 * @returns {Record<string, string>} package name → `file:<absolute path of its tarball>`
 */
export function tarballSpecs(packed) {
  return Object.fromEntries(packed.map((pkg) => [pkg.name, `file:${pkg.tarball}`]));
}

function findPackage(all, name) {
  const pkg = all.find((candidate) => candidate.name === name);
  if (!pkg)
    throw new Error(`${name} is not a publishable package (known: ${all.map((p) => p.name).join(', ')})`);
  return pkg;
}

function runPnpm(args, cwd, what) {
  const result = spawnSync('pnpm', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outDir = outAt === -1 ? undefined : args[outAt + 1];
  const names = args.filter((arg, at) => !arg.startsWith('--') && (outAt === -1 || at !== outAt + 1));
  try {
    await packTarballs({
      ...(outDir ? { outDir } : {}),
      ...(names.length > 0 ? { packages: names } : {}),
      build: args.includes('--build'),
    });
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
