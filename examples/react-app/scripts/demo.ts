// `pnpm demo:react` (repository root): the identity provider, the API and this app, on free loopback
// ports, signed in for real (authorization code + PKCE). Ctrl+C stops all three.
// `pnpm demo:react --dpop` (or `DPOP=1 pnpm demo:react`): DPoP-bound tokens, a proof on every request.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startExampleApi, startIdentityProvider } from '@tessera/example-identity-provider';
import { createServer } from 'vite';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

// The app imports the packages' dist/ files, as an app outside this repository would.
if (
  !['core', 'axios', 'dpop', 'react', 'testing'].every((name) =>
    existsSync(`${repoRoot}packages/${name}/dist`),
  )
) {
  console.log('Building the packages first (pnpm build)…');
  const build = spawnSync('pnpm', ['-r', '--filter', './packages/*', 'build'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const dpop = process.argv.includes('--dpop') || process.env.DPOP === '1';
const appPort = await freePort();
const appOrigin = `http://127.0.0.1:${appPort}`;
const provider = await startIdentityProvider({
  port: 0,
  appOrigins: [appOrigin],
  accessTokenTtl: 30_000,
  dpop,
});
const api = await startExampleApi({
  port: 0,
  issuer: provider.issuer,
  audience: provider.apiResource,
  appOrigins: [appOrigin],
  // With DPoP the API also requires its own nonces: the first call shows a 401 and its replay.
  dpopNonce: dpop,
});
// Vite hands VITE_* variables of its own process to the app (import.meta.env).
process.env.VITE_ISSUER = provider.issuer;
process.env.VITE_CLIENT_ID = provider.clientId;
process.env.VITE_API_URL = `${api.url}/me`;
process.env.VITE_DPOP = dpop ? '1' : '';
const vite = await createServer({
  root: appDir,
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: appPort, strictPort: true },
});
await vite.listen();

const [user] = provider.users;
console.log(`
  App                ${appOrigin}/   ← open this (${appOrigin}/?mock for the offline msw mode)
  Identity provider  ${provider.issuer}   user ${user?.username} / ${user?.password}
  API                ${api.url}/me
  Access tokens live 30 s; refresh tokens rotate on every use. Ctrl+C stops everything.
  ${dpop ? 'DPoP on: tokens bound to a key in IndexedDB, the API checks a proof (and its nonce) on every call.' : 'Bearer tokens (--dpop for DPoP-bound ones).'}
`);

const stop = async (): Promise<void> => {
  await Promise.allSettled([vite.close(), provider.close(), api.close()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

/** A free TCP port on 127.0.0.1 (the app's origin must be known before the provider starts: CORS, redirect URIs). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
