import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `public/mockServiceWorker.js` is msw's worker script, written by `msw init` (see the README).
export default defineConfig({
  plugins: [react()],
});
