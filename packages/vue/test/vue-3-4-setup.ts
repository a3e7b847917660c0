// Setup of the `unit-vue-3-4` vitest project: every `require('vue')` made by dependencies loaded outside Vite
// (@vue/test-utils' CommonJS build, pinia, vue-router) resolves to Vue 3.4, like the project's alias does for the
// sources, so a test never mixes two Vue copies (their reactivity would not see each other).
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Paths from strings: jsdom replaces the global `URL`, and Vite rewrites templates in `new URL(…, import.meta.url)`.
const vue34 = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'vue-3-4');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (request, ...rest) {
  const match = /^vue(\/.*)?$/.exec(request);
  return resolve.call(this, match ? `${vue34}${match[1] ?? ''}` : request, ...rest);
};
