import { defineConfig, type Options } from 'tsup';

/**
 * One build for every package (run from the package directory): ESM + CJS + `.d.ts`/`.d.cts`.
 * ESM-only dependencies (p-retry and its is-network-error) are inlined into the CJS build only,
 * so `require('@tessera/core')` works on every Node 20 (see docs/decisions/0003-cjs-build.md).
 */
const shared: Options = {
  entry: ['src/index.ts'],
  dts: true,
  sourcemap: true,
  target: 'es2022',
};

export default defineConfig([
  { ...shared, format: ['esm'] },
  { ...shared, format: ['cjs'], noExternal: ['p-retry', 'is-network-error'] },
]);
