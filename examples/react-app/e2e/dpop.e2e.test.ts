// The React example with DPoP switched on (VITE_DPOP=1), signing in for real at
// examples/identity-provider with DPoP-bound tokens and nonces required, calling the example API,
// which verifies every proof (signature, htm, htu, iat, jti replay, ath, cnf.jkt) and logs its verdict.

import { fileURLToPath } from 'node:url';
import {
  ExamplePage,
  freePort,
  launchChromium,
  type ServedExample,
  serveExample,
  signInAtProvider,
} from '@tessera/e2e-support';
import {
  type ApiRequestLogEntry,
  type ExampleApi,
  type IdentityProvider,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** Access-token lifetime at the provider: the manager refreshes in the background at half of it. */
const ACCESS_TOKEN_TTL = 6_000;
const root = fileURLToPath(new URL('..', import.meta.url));

/** The `cnf.jkt` of a JWT access token (read, not verified: the API verifies). */
const boundTo = (accessToken: string): unknown =>
  (
    JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      cnf?: { jkt?: unknown };
    }
  ).cnf?.jkt;

describe('examples/react-app with DPoP on (VITE_DPOP=1) at a real identity provider', () => {
  let provider: IdentityProvider;
  let api: ExampleApi;
  let served: ServedExample | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let pages: ExamplePage[] = [];
  let appOrigin: string;
  /** Token responses the provider gave the pages of this test, in order. */
  let issued: { accessToken: string; tokenType: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    appOrigin = `http://127.0.0.1:${port}`;
    provider = await startIdentityProvider({
      port: 0,
      appOrigins: [appOrigin],
      accessTokenTtl: ACCESS_TOKEN_TTL,
      dpop: true,
    });
    api = await startExampleApi({
      issuer: provider.issuer,
      audience: provider.apiResource,
      appOrigins: [appOrigin],
    });
    const env = {
      VITE_ISSUER: provider.issuer,
      VITE_CLIENT_ID: provider.clientId,
      VITE_API_URL: `${api.url}/me`,
      VITE_DPOP: '1',
    };
    [served, browser] = await Promise.all([serveExample(root, { env, port }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await Promise.all([provider?.close(), api?.close()]);
  });

  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 900, height: 700 } });
    issued = [];
  });

  afterEach(async () => {
    const errors = pages.flatMap((page) => page.errors);
    pages = [];
    await context.close();
    expect(errors).toEqual([]);
  });

  async function openTab(): Promise<Page> {
    const page = await context.newPage();
    // Read where it passes through, not afterwards through the devtools protocol: there, Chromium
    // often had no body for the token response (read by the page as a stream since decision 0805).
    await page.route(`${provider.issuer}/token`, async (route) => {
      const response = await route.fetch();
      if (response.status() === 200) {
        const body = (await response.json()) as { access_token: string; token_type: string };
        issued.push({ accessToken: body.access_token, tokenType: body.token_type });
      }
      await route.fulfill({ response });
    });
    return page;
  }

  async function signedIn(): Promise<ExamplePage> {
    const app = await ExamplePage.attach(await openTab(), `${served!.url}`);
    pages.push(app);
    await app.click('Sign in');
    await signInAtProvider(app.page, appOrigin);
    await app.waitFor('session');
    return app;
  }

  /** Calls the API from the page; returns what the API logged for that call. */
  async function callApi(page: ExamplePage): Promise<ApiRequestLogEntry | undefined> {
    const before = api.requestLog.length;
    await page.click('Call the API');
    await expect.poll(() => page.text('api-result')).toMatch(/^200 \{.*"sub":"alice".*\}$/);
    const calls = api.requestLog.slice(before).filter((entry) => entry.method === 'GET');
    expect(calls.map((entry) => entry.status)).toEqual([200]);
    return calls[0];
  }

  const tokenRequests = (since: number) =>
    provider.requestLog.slice(since).filter((entry) => entry.method === 'POST' && entry.path === '/token');

  it('signs in through the login form with a DPoP proof and calls the API with Authorization: DPoP and a valid proof bound to the token', async () => {
    const start = provider.requestLog.length;
    const page = await signedIn();

    expect(await page.text('user')).toBe('Alice Liddell');
    // The code exchange: one nonce challenge (400 use_dpop_nonce), then the token; both carried a proof.
    const exchange = tokenRequests(start).slice(0, 2);
    expect(exchange.map((entry) => [entry.status, entry.dpop])).toEqual([
      [400, true],
      [200, true],
    ]);
    expect(exchange[1]?.grantType).toBe('authorization_code');
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(1);
    expect(issued[0]?.tokenType).toBe('DPoP');
    const jkt = boundTo(issued[0]!.accessToken);
    expect(jkt).toMatch(/^[\w-]{43}$/);

    expect(await callApi(page)).toEqual({
      method: 'GET',
      path: '/me',
      status: 200,
      outcome: 'ok',
      sub: 'alice',
      scheme: 'dpop',
      dpop: { jkt, proof: 'valid' },
    });
  });

  it('refreshes once at expiry with a proof; the new token is bound to the same key and the API accepts its proofs', async () => {
    const page = await signedIn();
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(1);
    const jkt = boundTo(issued[0]!.accessToken);
    const start = provider.requestLog.length;
    const hash = await page.text('token-hash');

    await expect.poll(() => issued.length, { timeout: ACCESS_TOKEN_TTL * 2 }).toBe(2);
    expect(tokenRequests(start).map((entry) => [entry.grantType, entry.status, entry.dpop])).toEqual([
      ['refresh_token', 200, true],
    ]);
    expect(issued[1]).toMatchObject({ tokenType: 'DPoP' });
    expect(issued[1]?.accessToken).not.toBe(issued[0]?.accessToken);
    expect(boundTo(issued[1]!.accessToken)).toBe(jkt);
    await expect.poll(() => page.text('token-hash')).not.toBe(hash);

    expect(await callApi(page)).toMatchObject({ scheme: 'dpop', dpop: { jkt, proof: 'valid' } });
  });

  it('continues the session after a reload with the same key (kept in IndexedDB)', async () => {
    const page = await signedIn();
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(1);
    const jkt = boundTo(issued[0]!.accessToken);
    const start = provider.requestLog.length;

    await page.page.reload();
    await page.waitFor('session');

    expect(await page.text('user')).toBe('Alice Liddell');
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(2);
    expect(
      tokenRequests(start)
        .filter((entry) => entry.status === 200)
        .map((entry) => [entry.grantType, entry.dpop]),
    ).toEqual([['authorization_code', true]]);
    // The reloaded page signed its proofs with the key from before the reload.
    expect(boundTo(issued[1]!.accessToken)).toBe(jkt);
    expect(await callApi(page)).toMatchObject({ scheme: 'dpop', dpop: { jkt, proof: 'valid' } });
  });

  it('signs out: revokes the refresh token with a proof, deletes the key, and the next sign-in gets a new key', async () => {
    const page = await signedIn();
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(1);
    const jkt = boundTo(issued[0]!.accessToken);
    const start = provider.requestLog.length;

    await page.click('Sign out');
    await page.page.waitForURL((url) => url.origin === provider.issuer);
    const revocations = provider.requestLog
      .slice(start)
      .filter((entry) => entry.method === 'POST' && entry.path === '/token/revocation');
    expect(revocations.at(-1)).toMatchObject({ status: 200, dpop: true });
    expect(revocations.every((entry) => entry.dpop)).toBe(true);
    await page.page.getByRole('button', { name: /yes/i }).click();
    await page.page.waitForURL((url) => url.origin === appOrigin);
    await page.waitFor('sign-in');

    await page.click('Sign in');
    await signInAtProvider(page.page, appOrigin);
    await page.waitFor('session');
    await expect.poll(() => issued.length, { timeout: 10_000 }).toBe(2);
    const newJkt = boundTo(issued[1]!.accessToken);
    expect(newJkt).toMatch(/^[\w-]{43}$/);
    expect(newJkt).not.toBe(jkt);
    expect(await callApi(page)).toMatchObject({ scheme: 'dpop', dpop: { jkt: newJkt, proof: 'valid' } });
  });
});
