import { defineConfig } from 'vitest/config';

/**
 * Three projects, one command:
 * - unit: colocated `src/**\/*.test.ts` of the packages and the examples, msw + fake timers, no real services.
 * - integration: `packages/*\/test/**\/*.integration.test.ts`, real oidc-provider / redis-server on 127.0.0.1.
 * - e2e: real headless Chromium through playwright-core (`**\/e2e/**\/*.e2e.test.ts`).
 */
const shared = {
  resolve: { conditions: ['@tessera/source'] },
  ssr: { resolve: { conditions: ['@tessera/source'] } },
};

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.e2e.test.ts', 'examples/*/e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
