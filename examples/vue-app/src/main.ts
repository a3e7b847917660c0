import { createTessera } from '@tessera/vue';
import { createApp, markRaw } from 'vue';
import App from './app.vue';
import { startApp } from './demo/start-app.js';
import './styles.css';

const { session, mock } = await startApp(import.meta.env);
// TokenManager keeps its state in private fields, which Vue's reactive proxies cannot reach: never proxy it.
markRaw(session);
markRaw(session.tokens);

// Completes the sign-in callback once and serves useSession(); back where sign-in started, without a history entry.
const tessera = createTessera({
  tokens: session.tokens,
  signIn: session.oidc,
  onReturn: (to) => history.replaceState(history.state, '', to),
});

createApp(App, { session, mock: mock && markRaw(mock) })
  .use(tessera)
  .mount('#app');
