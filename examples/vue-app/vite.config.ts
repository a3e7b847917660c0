import vue from '@vitejs/plugin-vue';
import { defaultClientConditions, defineConfig } from 'vite';
import { mswWorker } from './msw-worker-plugin.js';

export default defineConfig({
  plugins: [vue(), mswWorker()],
  // Workspace packages resolve to their TypeScript sources: no build of the packages needed.
  resolve: { conditions: ['@tessera/source', ...defaultClientConditions] },
});
