import { fileURLToPath } from 'node:url';
import { describeStarterCopy } from '@tessera/e2e-support';

// Issue #12: this app is a starter — copied out of the repository, installed from the packed tarballs, built, run.
describeStarterCopy({ name: 'vue-app', root: fileURLToPath(new URL('..', import.meta.url)) });
