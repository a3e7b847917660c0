import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const nodeBuiltins = new Set(builtinModules);

/** Bundles an entry for the browser and returns every Node built-in it imports, with the importing file. */
async function nodeImportsOf(entry: string): Promise<string[]> {
  const found: string[] = [];
  const recordNodeImports: Plugin = {
    name: 'record-node-imports',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0] ?? '';
        if (!args.path.startsWith('node:') && !nodeBuiltins.has(bare)) return undefined;
        found.push(`${args.path} (imported by ${args.importer.replace(/^.*\/packages\//, 'packages/')})`);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['@tessera/source'],
    // msw is a peer dependency: its `msw` entry is browser-safe by its own contract.
    external: ['msw', 'msw/*'],
    plugins: [recordNodeImports],
    logLevel: 'silent',
  });
  return found;
}

describe('the root entry of @tessera/testing', () => {
  it('imports no Node built-in when bundled for the browser (setupWorker)', async () => {
    expect(await nodeImportsOf('./index.ts')).toEqual([]);
  });

  it('is what the /node entry adds to: serveHandlers lives there', async () => {
    expect(await nodeImportsOf('./node.ts')).toContain(
      'node:http (imported by packages/testing/src/serve-handlers.ts)',
    );
    const root = await import('./index.js');
    const node = await import('./node.js');
    expect(Object.keys(root)).not.toContain('serveHandlers');
    expect(Object.keys(node)).toEqual(['serveHandlers']);
  });
});
