import { createApp, markRaw } from 'vue';
import App from './app.vue';
import { readConfig } from './config.js';
import { createSession } from './create-session.js';
import type { MockServer } from './mock-server.js';
import './styles.css';

declare global {
  interface Window {
    /** The embedded mock server, for the e2e tests and the devtools console (`tesseraMock.revokeAll()`). */
    tesseraMock?: MockServer;
  }
}

const config = readConfig(window.location.search, import.meta.env);
// Loaded only when no real server is configured: msw stays out of a real deployment's bundle.
const mock = config.mock ? await (await import('./mock-server.js')).startMockServer(config.mock) : undefined;
if (mock) window.tesseraMock = mock;
const session = createSession(config, mock && (() => mock.tokenRequestCount));
// TokenManager keeps its state in private fields, which Vue's reactive proxies cannot reach: never proxy it.
markRaw(session);
markRaw(session.tokens);

createApp(App, { session, mock: mock && markRaw(mock) }).mount('#app');
