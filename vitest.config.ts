import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Four projects, one command:
 * - unit: colocated `src/**\/*.test.ts` of the packages and the examples, msw + fake timers, no real services.
 * - integration: `packages/*\/test/**\/*.integration.test.ts`, real oidc-provider / redis-server on 127.0.0.1.
 * - e2e: real headless Chromium through playwright-core (`**\/e2e/**\/*.e2e.test.ts`).
 * - unit-react-18: the `@tessera/react` unit tests again, with `react` and `react-dom` resolved to React 18.
 */
/** React 18 (the `react-18` and `react-dom-18` aliases installed in packages/react). */
const react18 = (name: string) =>
  fileURLToPath(new URL(`packages/react/node_modules/${name}-18`, import.meta.url));

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
        resolve: {
          ...shared.resolve,
          alias: [
            { find: /^react-dom(\/.*)?$/, replacement: `${react18('react-dom')}$1` },
            { find: /^react(\/.*)?$/, replacement: `${react18('react')}$1` },
          ],
        },
        ssr: shared.ssr,
        test: {
          name: 'unit-react-18',
          include: ['packages/react/src/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['packages/react/test/react-18-setup.ts'],
          env: { TESSERA_EXPECT_REACT_MAJOR: '18' },
          server: { deps: { inline: ['@testing-library/react'] } },
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
