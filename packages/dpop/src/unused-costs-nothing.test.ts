import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Issue #14: DPoP costs nothing in an app that does not use it. The transports call the
 * constraint for everything that is only DPoP's (`authorize`, `rebind`), so a bundle without
 * `createDPoP` must not contain that code: bundled from the sources as an app's bundler would.
 */
const source = (name: string) => fileURLToPath(new URL(`../../${name}/src/index.ts`, import.meta.url));

/** The source modules that end up in a minified browser bundle of `entry`. */
async function modulesIn(entry: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@tessera/source'],
    external: ['axios'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  return Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
}

/** Modules only a sender-constrained send needs. */
const DPOP_ONLY = [
  'resource-server/sender-constrained-headers.ts',
  'redirects/proof-per-hop.ts',
  'errors/token-type-mismatch-error.ts',
];

const core = `export { TokenManager, refreshTokenGrant } from '${source('core')}';`;

describe('DPoP in a bundle that does not use it', () => {
  it.each([
    ['withTokens', `export { withTokens } from '${source('fetch')}';`],
    ['kyHooks', `export { kyHooks } from '${source('fetch')}';`],
    ['attachTokenManager', `export { attachTokenManager } from '${source('axios')}';`],
  ])('TokenManager + refreshTokenGrant + %s carries none of its code', async (_, transport) => {
    const modules = await modulesIn(core + transport);
    expect(modules.some((path) => /packages\/(fetch|axios)\/src\//.test(path))).toBe(true); // the transport is in
    expect(modules.filter((path) => DPOP_ONLY.some((only) => path.endsWith(only)))).toEqual([]);
    expect(modules.filter((path) => path.includes('/dpop/'))).toEqual([]);
  });

  it('with createDPoP, the same bundle does carry it (the check above can fail)', async () => {
    const modules = await modulesIn(
      `${core}export { withTokens } from '${source('fetch')}'; export { createDPoP } from '${source('dpop')}';`,
    );
    for (const only of DPOP_ONLY) expect(modules.some((path) => path.endsWith(only))).toBe(true);
  });
});
