import { fileURLToPath } from 'node:url';
import { describeBrowserExample } from '@tessera/example-e2e-support';

// Both browser examples meet one specification (examples/e2e-support/src/describe-browser-example.ts).
describeBrowserExample({ name: 'vue-app', root: fileURLToPath(new URL('..', import.meta.url)) });
