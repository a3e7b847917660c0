import { type AuthServer, createAuthServer } from '@tessera/testing';
import { setupWorker } from 'msw/browser';
import type { MockServerConfig } from './config.js';

/** The embedded mock server: `@tessera/testing`'s authorization server and protected API. */
export type MockServer = AuthServer;

/**
 * Starts the authorization server (`${issuer}/oauth/token`, JWKS, discovery; user alice / wonderland,
 * public client `web`, rotating refresh tokens) and a protected API at `apiBaseUrl` in an msw
 * service worker, and resolves once the worker controls the page.
 */
export async function startMockServer(config: MockServerConfig): Promise<MockServer> {
  const auth = createAuthServer({
    issuer: config.issuer,
    audience: config.apiBaseUrl,
    accessTokenLifetime: config.accessTokenLifetime,
  });
  const worker = setupWorker(...auth.handlers, ...auth.protectedApi(config.apiBaseUrl));
  await worker.start({
    quiet: true,
    onUnhandledRequest(request) {
      // The app's own files pass through; a request to a mock host without a handler is a bug.
      if (new URL(request.url).hostname.endsWith('.tessera.test')) {
        console.error(`[mock server] no handler for ${request.method} ${request.url}`);
      }
    },
  });
  return auth;
}
