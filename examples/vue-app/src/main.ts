import { createApp, markRaw } from 'vue';
import App from './app.vue';
import { startApp } from './demo/start-app.js';
import './styles.css';

const { session, mock } = await startApp(import.meta.env);
// TokenManager keeps its state in private fields, which Vue's reactive proxies cannot reach: never proxy it.
markRaw(session);
markRaw(session.tokens);

createApp(App, { session, mock: mock && markRaw(mock) }).mount('#app');
