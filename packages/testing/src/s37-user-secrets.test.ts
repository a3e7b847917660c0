import { inspect } from 'node:util';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer, failUnhandledRequest, type TestClient } from './index.js';

const auth = createAuthServer({ issuer: 'https://auth.example.test' });
const server = setupServer(...auth.handlers, ...auth.protectedApi('https://api.example.test'));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.restoreAllMocks();
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

/** Every spelling of a secret a printout could carry: as is, base64 and base64url, URL-encoded, and in a Basic header. */
function spellings(secrets: string[]): string[] {
  const forms = secrets.flatMap((secret) => {
    const base64 = btoa(secret);
    return [
      secret,
      encodeURIComponent(secret),
      base64,
      base64.replace(/=+$/, ''),
      base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    ];
  });
  return [...forms, btoa('service:service-secret'), btoa('service:service-secret').replace(/=+$/, '')];
}

/** What vitest prints when `expect(value).toEqual(…)` fails: the assertion's message and the received value. */
function failurePrintout(value: unknown): string {
  try {
    expect(value).toEqual({ nothing: true });
  } catch (error) {
    return `${(error as Error).message}\n${inspect((error as { actual?: unknown }).actual, { depth: 12, getters: true })}`;
  }
  throw new Error('expected the assertion to fail');
}

const basic = `Basic ${btoa('service:service-secret')}`;

describe('a test team: what a failing test prints never holds a secret', () => {
  it('a failed expect on the logs, or on the whole server object, after every kind of request', async () => {
    const signIn = await (
      await postToken(auth.tokenUrl, {
        form: { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' },
      })
    ).json();
    const refreshed = await (
      await postToken(auth.tokenUrl, {
        form: { grant_type: 'refresh_token', refresh_token: signIn.refresh_token, client_id: 'web' },
      })
    ).json();
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'wrong-secret'],
    });
    await fetch(`https://api.example.test/me?access_token=${refreshed.access_token}`, {
      headers: { Authorization: `Bearer ${refreshed.access_token}` },
    });
    await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshed.refresh_token }),
    });
    const secrets = spellings([
      'service-secret',
      'wrong-secret',
      'wonderland',
      signIn.refresh_token,
      signIn.access_token,
      refreshed.refresh_token,
      refreshed.access_token,
    ]);
    for (const printed of [
      failurePrintout(auth.tokenRequests),
      failurePrintout(auth.apiRequests),
      failurePrintout(auth.revocationRequests),
      failurePrintout(auth),
    ]) {
      for (const secret of secrets) expect(printed).not.toContain(secret);
    }
    // The printout is the real thing: the logs' entries are in it (getters read).
    expect(failurePrintout(auth)).toContain("grantType: 'client_credentials'");
    expect(auth.tokenRequests.map((entry) => entry.clientId)).toEqual(['web', 'web', 'service', 'service']);
  });

  it("failUnhandledRequest's message and console line name the method and URL, never the Basic header, body or query", async () => {
    const printed: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => printed.push(...args));
    const response = await fetch('https://auth.example.test/oauth/tokens?client_secret=service-secret', {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=alice&password=wonderland&client_secret=service-secret',
    });
    const answer = await response.text();
    expect(printed).toEqual([
      '[@tessera/testing] No msw handler for POST https://auth.example.test/oauth/tokens?…: the request failed. Its body and query are not printed: they may hold secrets.',
    ]);
    for (const secret of spellings(['service-secret', 'wonderland'])) expect(answer).not.toContain(secret);
  });

  it("the kit's own errors name the option or the request, never a secret value", async () => {
    const thrown: string[] = [];
    const collect = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        thrown.push(inspect(error));
      }
    };
    collect(() =>
      createAuthServer({ clients: [{ clientId: 'x', client_secret: 'service-secret' } as TestClient] }),
    );
    collect(() => createAuthServer({ clients: [{ clientId: 'x', clientSecret: 'service-secret\n' }] }));
    collect(() => createAuthServer({ users: [{ username: 'bob', pasword: 'wonderland' } as never] }));
    collect(() => auth.failNextTokenRequests(1, { retry_after: 1, body: 'service-secret' } as never));
    collect(() =>
      auth.authorize(
        'https://auth.example.test/oauth/authorize?client_id=nobody&client_secret=service-secret',
      ),
    );
    collect(() => auth.authorize('https://auth.example.test/oauth/other?client_secret=service-secret'));
    await auth.issueTokens({ username: 'wonderland' as never }).catch((error) => thrown.push(inspect(error)));
    expect(thrown).toHaveLength(7);
    for (const printed of thrown) {
      for (const secret of spellings(['service-secret'])) expect(printed).not.toContain(secret);
    }
  });
});
