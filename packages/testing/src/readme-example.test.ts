import { clientCredentialsGrant, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { expect, it } from 'vitest';
import { createAuthServer, failUnhandledRequest } from './index.js';

// The first code block of README.md, line for line; keep them in sync.
it('sends 1 token request for 10 concurrent calls (README example)', async () => {
  const auth = createAuthServer();
  const server = setupServer(...auth.handlers);
  server.listen({ onUnhandledRequest: failUnhandledRequest });
  try {
    const tokens = new TokenManager({
      fetchTokens: clientCredentialsGrant({
        tokenUrl: auth.tokenUrl,
        clientId: 'service',
        clientSecret: 'service-secret',
      }),
    });
    await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
    expect(auth.tokenRequestCount).toBe(1);
  } finally {
    server.close();
  }
});
