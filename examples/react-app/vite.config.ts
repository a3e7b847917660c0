import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { mswWorker } from './msw-worker-plugin.js';

export default defineConfig({
  plugins: [react(), mswWorker()],
  // Workspace packages resolve to their TypeScript sources: no build of the packages needed.
  resolve: { conditions: ['@tessera/source', ...defaultClientConditions] },
});
