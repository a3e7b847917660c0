import { fileURLToPath } from 'node:url';
import { describeSignInExample } from '@tessera/e2e-support';

// Signing in for real at examples/identity-provider (packages/e2e-support/src/describe-sign-in-example.ts).
describeSignInExample({ name: 'react-app', root: fileURLToPath(new URL('..', import.meta.url)) });
