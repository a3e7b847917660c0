import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
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

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} mock={mock} />
  </StrictMode>,
);
