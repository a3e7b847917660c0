import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
// Relative on purpose: Vite bundles the config's relative imports but leaves package imports to Node,
// which cannot load the shared package's TypeScript.
import { mswWorker } from '../browser-app-shared/src/msw-worker-plugin.js';

export default defineConfig({
  plugins: [react(), mswWorker()],
  // Workspace packages resolve to their TypeScript sources: no build of the packages needed.
  resolve: { conditions: ['@tessera/source', ...defaultClientConditions] },
});
