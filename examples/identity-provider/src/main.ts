// `pnpm --filter @tessera/example-identity-provider start`: the provider and the API on fixed ports.
import { startExampleApi } from './start-example-api.js';
import { startIdentityProvider } from './start-identity-provider.js';

const appOrigins = (process.env.APP_ORIGINS ?? 'http://127.0.0.1:5173,http://localhost:5173').split(',');
const provider = await startIdentityProvider({ port: Number(process.env.IDP_PORT ?? 4400), appOrigins });
const api = await startExampleApi({
  port: Number(process.env.API_PORT ?? 4401),
  issuer: provider.issuer,
  audience: provider.apiResource,
  appOrigins,
});
const [user] = provider.users;
console.log(
  `Identity provider ${provider.issuer}  (client_id ${provider.clientId}, user ${user?.username} / ${user?.password})`,
);
console.log(`API               ${api.url}/me  (audience ${provider.apiResource})`);
console.log(`Apps allowed from ${appOrigins.join(', ')}  — Ctrl+C to stop`);
const stop = () => void Promise.all([provider.close(), api.close()]).then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
