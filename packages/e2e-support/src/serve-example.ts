import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, preview } from 'vite';

/** Options of `serveExample`. */
export interface ServeExampleOptions {
  /** `VITE_*` variables the app is built with (e.g. `VITE_ISSUER`). @default {} */
  env?: Record<string, string>;
  /** The port to serve on (an origin registered at an identity provider). @default 0 (a free port) */
  port?: number;
}

/** A built example served on 127.0.0.1. */
export interface ServedExample {
  /** The page's URL, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Stops the server and deletes the build. */
  close(): Promise<void>;
}

/**
 * Builds the Vite app in `root` (with its own `vite.config.ts`) into a temporary directory and serves
 * it with `vite preview` on 127.0.0.1 and a free port — what a deployment serves, and no dependency
 * optimisation reloading the page mid-test as the dev server may.
 */
export async function serveExample(root: string, options: ServeExampleOptions = {}): Promise<ServedExample> {
  assertPackagesBuilt(root);
  const outDir = await mkdtemp(join(tmpdir(), 'tessera-example-'));
  try {
    await productionBuild(root, outDir, options.env ?? {});
    const server = await preview({
      root,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: options.port ?? 0, strictPort: true, open: false },
    });
    const { port } = server.httpServer.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      async close() {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Builds for production even under Vitest, whose NODE_ENV=test would make Vite bundle React's
 * development build; `env` (`VITE_*`) is in `process.env` for the build only.
 */
async function productionBuild(root: string, outDir: string, env: Record<string, string>): Promise<void> {
  const saved = Object.fromEntries(
    ['NODE_ENV', ...Object.keys(env)].map((name) => [name, process.env[name]]),
  );
  Object.assign(process.env, env, { NODE_ENV: 'production' });
  try {
    await build({ root, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * The examples import the packages as an app outside this repository would, from their `dist/` (no
 * workspace source condition): fail with what to run when one of them is not built.
 */
function assertPackagesBuilt(root: string): void {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const require = createRequire(join(root, 'package.json'));
  const unbuilt = Object.keys(manifest.dependencies ?? {}).filter(
    (name) =>
      name.startsWith('@tessera/') &&
      !existsSync(join(dirname(require.resolve(`${name}/package.json`)), 'dist')),
  );
  if (unbuilt.length > 0) {
    throw new Error(
      `${unbuilt.join(', ')} not built: the example imports their dist/ files. Run "pnpm build" at the repository root first.`,
    );
  }
}
