// Setup of the `unit-react-18` vitest project: every `require('react')` and `require('react-dom')` made by
// dependencies loaded outside Vite (react-dom itself, Testing Library's CommonJS) resolves to React 18, like the
// project's aliases do for the sources. pnpm links react-dom 18's `react` peer to React 19, so this is needed.
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Paths from strings: jsdom replaces the global `URL`, and Vite rewrites templates in `new URL(…, import.meta.url)`.
const modules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
const react18 = (name: string) => join(modules, `${name}-18`);
const targets: Record<string, string> = { react: react18('react'), 'react-dom': react18('react-dom') };
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (request, ...rest) {
  const match = /^(react-dom|react)(\/.*)?$/.exec(request);
  const target = match ? `${targets[match[1]!]}${match[2] ?? ''}` : request;
  return resolve.call(this, target, ...rest);
};
