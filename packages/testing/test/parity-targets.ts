import {
  type IdentityProviderOptions,
  readFormPost,
  signInThroughForms,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import type { AuthServerOptions, TestClient } from '../src/auth-server-options.js';
import { createAuthServer } from '../src/create-auth-server.js';
import { serveHandlers } from '../src/serve-handlers.js';

// RFC 7636 Appendix B.
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** One server under test, reached the same way for both. */
export interface ParityTarget {
  name: 'oidc-provider' | 'kit';
  issuer: string;
  clientId: string;
  /**
   * The callback URL the user's browser would land on (for `response_mode=form_post`, the form's
   * action with its fields as the query).
   */
  signIn(authorizationUrl: string): Promise<string>;
}

/** What each side is configured with, beyond the app origin and the one client both know. */
export interface ParitySetup {
  provider?: Omit<IdentityProviderOptions, 'port' | 'appOrigins'>;
  client?: Omit<TestClient, 'clientId'>;
  kit?: Omit<AuthServerOptions, 'issuer' | 'clients'>;
}

/**
 * The example oidc-provider and the kit served on loopback, configured alike for the app at `app`:
 * a parity test runs one scenario against both and compares what a client sees.
 */
export async function startParityTargets(
  app: string,
  setup: ParitySetup = {},
): Promise<{ targets: [ParityTarget, ParityTarget]; close(): Promise<void> }> {
  const [provider, served] = await Promise.all([
    startIdentityProvider({ port: 0, appOrigins: [app], ...setup.provider }),
    serveHandlers(),
  ]);
  const kit = createAuthServer({
    ...setup.kit,
    issuer: served.url,
    clients: [{ redirectUris: [`${app}/callback`], ...setup.client, clientId: provider.clientId }],
  });
  served.use(...kit.handlers);
  return {
    targets: [
      {
        name: 'oidc-provider',
        issuer: provider.issuer,
        clientId: provider.clientId,
        signIn: signInThroughForms,
      },
      {
        name: 'kit',
        issuer: kit.issuer,
        clientId: provider.clientId,
        signIn: async (url) => {
          const response = await fetch(url, { redirect: 'manual' });
          const location = response.headers.get('location');
          return location ?? readFormPost(await response.text(), kit.issuer)?.href ?? '';
        },
      },
    ],
    close: async () => {
      await Promise.all([provider.close(), served.close()]);
    },
  };
}

/** An authorization request's parameters: a list is sent repeated, `undefined` not at all. */
export type AuthorizationParams = Record<string, string | readonly string[] | undefined>;

/**
 * `target`'s authorization endpoint (from its discovery document) with a PKCE request of the client both
 * servers know — code flow, `openid api:read`, `state=parity-state`, the RFC 7636 challenge, for
 * `redirectUri` — and `params` over those.
 */
export async function authorizationUrl(
  target: ParityTarget,
  redirectUri: string,
  params: AuthorizationParams = {},
): Promise<URL> {
  const discovery = await fetch(`${target.issuer}/.well-known/openid-configuration`);
  const url = new URL(
    ((await discovery.json()) as { authorization_endpoint: string }).authorization_endpoint,
  );
  const query: AuthorizationParams = {
    response_type: 'code',
    client_id: target.clientId,
    redirect_uri: redirectUri,
    scope: 'openid api:read',
    state: 'parity-state',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [name, value] of Object.entries(query)) {
    for (const item of value === undefined ? [] : typeof value === 'string' ? [value] : value) {
      url.searchParams.append(name, item);
    }
  }
  return url;
}
