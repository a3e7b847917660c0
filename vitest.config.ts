import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Five projects, one command:
 * - unit: colocated `src/**\/*.test.ts` of the packages and the examples, msw + fake timers, no real services.
 * - integration: `packages/*\/test/**\/*.integration.test.ts`, real oidc-provider / redis-server on 127.0.0.1.
 * - e2e: real headless Chromium through playwright-core (`**\/e2e/**\/*.e2e.test.ts`).
 * - unit-react-18: the `@tessera/react` unit tests again, with `react` and `react-dom` resolved to React 18.
 * - unit-vue-3-4: the `@tessera/vue` unit tests again, with `vue` resolved to Vue 3.4 (the oldest supported).
 */
/** React 18 (the `react-18` and `react-dom-18` aliases installed in packages/react). */
const react18 = (name: string) =>
  fileURLToPath(new URL(`packages/react/node_modules/${name}-18`, import.meta.url));

/** Vue 3.4 (the `vue-3-4` alias installed in packages/vue). */
const vue34 = fileURLToPath(new URL('packages/vue/node_modules/vue-3-4', import.meta.url));

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
          // The Vue app's src/demo/ is a byte-for-byte copy of the React app's (each app must be copyable on
          // its own; packages/e2e-support/src/example-apps-in-step.test.ts fails if they differ), so its
          // tests run once, from the React copy.
          exclude: [...configDefaults.exclude, 'examples/vue-app/src/demo/**'],
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
        resolve: {
          ...shared.resolve,
          alias: [{ find: /^vue(\/.*)?$/, replacement: `${vue34}$1` }],
        },
        ssr: shared.ssr,
        test: {
          name: 'unit-vue-3-4',
          include: ['packages/vue/src/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['packages/vue/test/vue-3-4-setup.ts'],
          env: { TESSERA_EXPECT_VUE_MINOR: '3.4' },
          // Processed by Vite, so their `vue` imports get the alias too: one Vue in the test.
          server: {
            deps: {
              inline: ['@testing-library/vue', '@vue/test-utils', 'pinia', 'vue-router', '@vue/devtools-api'],
            },
          },
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // A poll ends as soon as its condition holds: the timeout only bounds a failing one, and the
          // default (1 s) is within reach of a loaded CI machine running real servers and processes.
          expect: { poll: { timeout: 15_000 } },
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
          expect: { poll: { timeout: 15_000 } }, // as for integration
          fileParallelism: false,
        },
      },
    ],
  },
});
