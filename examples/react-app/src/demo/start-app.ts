import { type AppEnv, readConfig } from './config.js';
import { createSession, type Session } from './create-session.js';
import type { MockServer } from './mock-server.js';

declare global {
  interface Window {
    /** The embedded mock server, for the e2e tests and the devtools console (`tesseraMock.revokeAll()`). */
    tesseraMock?: MockServer;
  }
}

/** What an app's entry renders: the session, and the embedded mock server when there is one. */
export interface StartedApp {
  session: Session;
  /** `undefined` when a real server is configured. */
  mock: MockServer | undefined;
}

/**
 * Everything an app does before it renders: reads the configuration (`env` is `import.meta.env`, the
 * token lifetime comes from the page URL), starts the embedded mock server when no real server is
 * configured (and exposes it as `window.tesseraMock`), and creates the session.
 */
export async function startApp(env: AppEnv): Promise<StartedApp> {
  const config = readConfig(window.location.search, env);
  // Loaded only when no real server is configured: msw stays out of a real deployment's bundle.
  const mock = config.mock
    ? await (await import('./mock-server.js')).startMockServer(config.mock)
    : undefined;
  if (mock) window.tesseraMock = mock;
  return { session: createSession(config, mock && (() => mock.tokenRequestCount)), mock };
}
