import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './repo-root.js';

/** An example copied out of the repository, installed from the packed tarballs and built. */
export interface CopiedExample {
  /** The copy, in the system's temporary directory (outside the workspace). */
  dir: string;
  /** The production build, `${dir}/dist`. */
  distDir: string;
  /** Deletes the copy. */
  remove(): Promise<void>;
}

interface PackedPackage {
  name: string;
  tarball: string;
}

/**
 * What is not copied: installed or built files, the repository's own e2e tests, and `scripts/` (the
 * `pnpm demo:*` launcher, which runs the repository's identity provider).
 */
const NOT_COPIED = new Set(['node_modules', 'dist', 'e2e', '.vite', 'scripts']);

/**
 * Does what a developer does with an example as a starter: copies `root` to a temporary directory
 * outside the workspace, points every `@tessera/*` dependency at a tarball packed from this
 * repository (`.ci/pack-tarballs.mjs`, built packages required), drops the workspace-only dev
 * dependencies, `npm install`s everything else from the registry and builds with the app's own
 * `npm run build`.
 *
 * @throws {Error} a step failed; the message holds the command and its output.
 */
export async function copyOutExample(root: string): Promise<CopiedExample> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-starter-${basename(root)}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await cp(root, dir, { recursive: true, filter: (source) => !NOT_COPIED.has(basename(source)) });
    const packed = await packTessera(join(dir, '.tarballs'));
    await useTarballs(join(dir, 'package.json'), packed);
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
    await run('npm', ['run', 'build'], dir, { NODE_ENV: 'production' });
    return { dir, distDir: join(dir, 'dist'), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function packTessera(outDir: string): Promise<PackedPackage[]> {
  const module = (await import(pathToFileURL(`${repoRoot}.ci/pack-tarballs.mjs`).href)) as {
    packTarballs(options: { outDir: string; log: (line: string) => void }): Promise<PackedPackage[]>;
  };
  return module.packTarballs({ outDir, log: () => {} });
}

/**
 * Rewrites the copy's package.json: `@tessera/*` dependencies → `file:` tarballs, also as `overrides`
 * so a package's own dependency on another (`@tessera/axios` → `@tessera/core`) resolves to the
 * tarball, never to the registry; `workspace:` dev dependencies (the repository's test helpers and
 * identity provider) and the `demo` script removed.
 */
async function useTarballs(manifestPath: string, packed: PackedPackage[]): Promise<void> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    overrides?: Record<string, string>;
  };
  const tarballs = new Map(packed.map(({ name, tarball }) => [name, `file:${tarball}`]));
  for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
    if (!range.startsWith('workspace:')) continue;
    const tarball = tarballs.get(name);
    if (!tarball)
      throw new Error(`${name} is a workspace dependency of the example but no tarball was packed for it`);
    manifest.dependencies![name] = tarball;
  }
  for (const [name, range] of Object.entries(manifest.devDependencies ?? {})) {
    if (range.startsWith('workspace:')) delete manifest.devDependencies![name];
  }
  delete manifest.scripts?.demo;
  manifest.overrides = { ...manifest.overrides, ...Object.fromEntries(tarballs) };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

function run(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    // The copy must not see the workspace: no pnpm/npm configuration, no NODE_ENV=test from the test run.
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (/^(npm_|PNPM_|pnpm_)|^NODE_ENV$/.test(name)) delete env[name];
    Object.assign(env, extraEnv);
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${output.slice(-4000)}`),
        );
    });
  });
}
