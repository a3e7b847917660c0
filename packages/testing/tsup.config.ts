import { defineConfig } from 'tsup';

/**
 * Two entries: `@tessera/testing` (Web APIs only, runs in browsers under `setupWorker`) and
 * `@tessera/testing/node` (`serveHandlers`, a real node:http server). ESM + CJS + `.d.ts`/`.d.cts`.
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'es2022',
});
