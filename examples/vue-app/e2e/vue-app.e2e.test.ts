import { fileURLToPath } from 'node:url';
import { describeBrowserExample } from '@tessera/e2e-support';

// Both browser examples meet one specification (packages/e2e-support/src/describe-browser-example.ts).
describeBrowserExample({ name: 'vue-app', root: fileURLToPath(new URL('..', import.meta.url)) });
