import { clientCredentialsGrant, HttpError, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const SECRET = 'service-s3cret-do-not-print';

/** Sends a client-credentials request (secret in the body and in the query) that no handler matches; returns all console output. */
async function unhandledTokenRequest(
  strategy: 'error' | typeof failUnhandledRequest,
): Promise<{ output: string; error: unknown }> {
  const output: unknown[] = [];
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args) => {
      output.push(args);
    });
  }
  const server = setupServer();
  server.listen({ onUnhandledRequest: strategy });
  try {
    const tokens = new TokenManager({
      retry: false,
      fetchTokens: clientCredentialsGrant({
        tokenUrl: `https://auth.unhandled.test/token?client_secret=${SECRET}`,
        clientId: 'service',
        clientSecret: SECRET,
        authMethod: 'client_secret_post',
      }),
    });
    const error = await tokens.getAccessToken().catch((caught: unknown) => caught);
    tokens.dispose();
    return { output: output.map((args) => String((args as unknown[]).join(' '))).join('\n'), error };
  } finally {
    server.close();
    vi.restoreAllMocks();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('failUnhandledRequest', () => {
  it('fails an unhandled token request and names it without printing the secret in its body or query', async () => {
    const { output, error } = await unhandledTokenRequest(failUnhandledRequest);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(500);
    expect(output).toContain('No msw handler for POST https://auth.unhandled.test/token?…');
    expect(output).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it("is needed: msw's own 'error' strategy prints the request body, secret included", async () => {
    const { output } = await unhandledTokenRequest('error');
    expect(output).toContain(SECRET);
  });

  it("lets a page's static assets through, like msw's own strategies, and still fails anything else", () => {
    const output: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args) => {
      output.push(args);
    });
    // Under setupWorker every request of the page reaches the strategy: its lazily loaded chunks,
    // styles and images too. Failing them broke the page the test runs in.
    for (const asset of ['/assets/chunk-3f2a.js', '/@vite/client', '/styles/app.css', '/logo.png']) {
      expect(failUnhandledRequest(new Request(`https://app.example.test${asset}`))).toBeUndefined();
    }
    expect(output).toEqual([]);
    expect(() => failUnhandledRequest(new Request('https://auth.example.test/oauth/token'))).toThrow(
      'No msw handler for GET https://auth.example.test/oauth/token',
    );
  });
});
