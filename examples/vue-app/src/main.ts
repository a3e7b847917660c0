import { startApp } from '@tessera/example-browser-app-shared';
import { createApp, markRaw } from 'vue';
import App from './app.vue';
import '@tessera/example-browser-app-shared/styles.css';

const { session, mock } = await startApp(import.meta.env);
// TokenManager keeps its state in private fields, which Vue's reactive proxies cannot reach: never proxy it.
markRaw(session);
markRaw(session.tokens);

createApp(App, { session, mock: mock && markRaw(mock) }).mount('#app');
