import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Issue #14: DPoP costs nothing in an app that does not use it. The transports and the manager call
 * the constraint for everything that is only DPoP's (`authorize`, `rebind`, `isNonceReplay`,
 * `checkUse`), so a bundle without `createDPoP` must not contain that code: bundled from the
 * sources as an app's bundler would.
 */
const source = (name: string) => fileURLToPath(new URL(`../../${name}/src/index.ts`, import.meta.url));

/** The source modules that end up in a minified browser bundle of `entry`, and its code. */
async function bundle(entry: string): Promise<{ modules: string[]; code: string }> {
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
  const modules = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { modules, code: result.outputFiles[0]?.text ?? '' };
}

/** Modules only a sender-constrained send needs. */
const DPOP_ONLY = [
  'resource-server/sender-constrained-headers.ts',
  'redirects/proof-per-hop.ts',
  'errors/token-type-mismatch-error.ts',
  // The nonce-challenge judgement after followed hops, and the rules of the option (decision 1208).
  'resource-server/is-nonce-replay.ts',
  'redirects/proof-sent-for.ts',
  'resource-server/check-constraint-use.ts',
];

/** Messages of the option's rules (`checkConstraintUse`): inside modules every app has, so found by their text. */
const DPOP_ONLY_MESSAGES = [
  'senderConstraint differs from',
  'scheme cannot be combined with senderConstraint',
  'with tokenTypes left out',
];

const core = `export { TokenManager, refreshTokenGrant } from '${source('core')}';`;

describe('DPoP in a bundle that does not use it', () => {
  it.each([
    ['withTokens', `export { withTokens } from '${source('fetch')}';`],
    ['kyHooks', `export { kyHooks } from '${source('fetch')}';`],
    ['attachTokenManager', `export { attachTokenManager } from '${source('axios')}';`],
    ['nothing else', ''],
  ])('TokenManager + refreshTokenGrant + %s carries none of its code', async (_, transport) => {
    const { modules, code } = await bundle(core + transport);
    // The transport is in (the manager alone: only core).
    expect(modules.some((path) => /packages\/(fetch|axios)\/src\//.test(path))).toBe(transport !== '');
    expect(modules.filter((path) => DPOP_ONLY.some((only) => path.endsWith(only)))).toEqual([]);
    expect(modules.filter((path) => path.includes('/dpop/'))).toEqual([]);
    expect(DPOP_ONLY_MESSAGES.filter((message) => code.includes(message))).toEqual([]);
  });

  it('with createDPoP, the same bundle does carry it (the check above can fail)', async () => {
    const { modules, code } = await bundle(
      `${core}export { withTokens } from '${source('fetch')}'; export { createDPoP } from '${source('dpop')}';`,
    );
    for (const only of DPOP_ONLY) expect(modules.some((path) => path.endsWith(only))).toBe(true);
    for (const message of DPOP_ONLY_MESSAGES) expect(code).toContain(message);
  });
});
