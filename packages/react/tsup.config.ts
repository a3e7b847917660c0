import { defineConfig, type Options } from 'tsup';

/**
 * ESM + CJS + `.d.ts`/`.d.cts`, like every package (../../tsup.config.ts), plus a `'use client'`
 * banner: the provider and hooks use context and state, so React Server Components frameworks
 * (Next.js app router) must treat the whole package as client code.
 */
const shared: Options = {
  entry: ['src/index.ts'],
  dts: true,
  sourcemap: true,
  target: 'es2022',
  banner: { js: "'use client';" },
};

export default defineConfig([
  { ...shared, format: ['esm'] },
  { ...shared, format: ['cjs'] },
]);
