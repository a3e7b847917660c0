// The React example with DPoP on, calling an API on another origin that requires its own DPoP nonces
// (RFC 9449 §9: `401` + `WWW-Authenticate: DPoP error="use_dpop_nonce"` + `DPoP-Nonce`), in Chromium
// with real CORS: app, identity provider and API each on their own loopback port. A second build of
// the app calls a misconfigured API whose CORS hides `DPoP-Nonce` from the page.

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
  type ExampleApi,
  type IdentityProvider,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** An app build calling its own API, on its own origin. */
interface Deployment {
  origin: string;
  api: ExampleApi;
  served: ServedExample;
}

describe('examples/react-app with DPoP on, calling a cross-origin API that requires DPoP nonces', () => {
  let provider: IdentityProvider;
  /** The API exposes `DPoP-Nonce` and `WWW-Authenticate` to the app (CORS), as it should. */
  let exposing: Deployment | undefined;
  /** The API sends `DPoP-Nonce` but exposes only `WWW-Authenticate`: the page cannot read the nonce. */
  let hiding: Deployment | undefined;
  /** The API exposes neither `DPoP-Nonce` nor `WWW-Authenticate`: the page sees a bare 401. */
  let blind: Deployment | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let pages: ExamplePage[] = [];

  async function deploy(port: number, corsExposeHeaders?: readonly string[]): Promise<Deployment> {
    const origin = `http://127.0.0.1:${port}`;
    const api = await startExampleApi({
      issuer: provider.issuer,
      audience: provider.apiResource,
      appOrigins: [origin],
      dpopNonce: true,
      ...(corsExposeHeaders ? { corsExposeHeaders } : {}),
    });
    const env = {
      VITE_ISSUER: provider.issuer,
      VITE_CLIENT_ID: provider.clientId,
      VITE_API_URL: `${api.url}/me`,
      VITE_DPOP: '1',
    };
    try {
      return { origin, api, served: await serveExample(root, { env, port }) };
    } catch (error) {
      await api.close();
      throw error;
    }
  }

  beforeAll(async () => {
    const ports = [await freePort(), await freePort(), await freePort()] as const;
    provider = await startIdentityProvider({
      port: 0,
      appOrigins: ports.map((port) => `http://127.0.0.1:${port}`),
      dpop: true,
    });
    const launching = launchChromium();
    try {
      // One build after the other: a build sets its VITE_* variables in process.env while it runs.
      exposing = await deploy(ports[0]);
      hiding = await deploy(ports[1], ['WWW-Authenticate']);
      blind = await deploy(ports[2], []);
    } finally {
      browser = await launching;
    }
  });

  afterAll(async () => {
    await browser?.close();
    for (const deployment of [exposing, hiding, blind]) {
      await deployment?.served.close();
      await deployment?.api.close();
    }
    await provider?.close();
  });

  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 900, height: 700 } });
  });

  afterEach(async () => {
    const errors = pages.flatMap((page) => page.errors);
    pages = [];
    await context.close();
    expect(errors).toEqual([]);
  });

  async function signedIn(deployment: Deployment): Promise<ExamplePage> {
    const start = provider.requestLog.length;
    const app = await ExamplePage.open(context, deployment.served.url);
    pages.push(app);
    await app.click('Sign in');
    await signInAtProvider(app.page, deployment.origin);
    await app.waitFor('session');
    // The code exchange is done (one nonce challenge at the provider, then the token).
    await expect.poll(() => tokenRequests(start).filter((entry) => entry.status === 200).length).toBe(1);
    return app;
  }

  const tokenRequests = (since: number) =>
    provider.requestLog.slice(since).filter((entry) => entry.method === 'POST' && entry.path === '/token');

  /**
   * Clicks "Call the API" and waits for the result on screen; returns what the API logged for the
   * GETs of that click — outcome and proof verdict — and the token requests the provider saw meanwhile.
   */
  async function callApi(page: ExamplePage, api: ExampleApi, result: RegExp) {
    const [apiStart, providerStart] = [api.requestLog.length, provider.requestLog.length];
    await page.click('Call the API');
    await expect.poll(() => page.text('api-result')).toMatch(result);
    const gets = api.requestLog.slice(apiStart).filter((entry) => entry.method === 'GET');
    return {
      api: gets.map((entry) => [entry.status, entry.outcome, entry.dpop?.proof]),
      tokenRequests: tokenRequests(providerStart).length,
    };
  }

  const OK = /^200 \{.*"sub":"alice".*\}$/;

  it('the first call costs exactly one use_dpop_nonce 401 and one replay, the next none, and after the API rotates its nonce exactly one again: never a token request', async () => {
    const { api } = exposing!;
    const page = await signedIn(exposing!);

    expect(await callApi(page, api, OK)).toEqual({
      api: [
        [401, 'use_dpop_nonce', 'nonce missing'],
        [200, 'ok', 'valid'],
      ],
      tokenRequests: 0,
    });
    // The page learned the nonce (read through CORS): the next call carries it.
    expect(await callApi(page, api, OK)).toEqual({ api: [[200, 'ok', 'valid']], tokenRequests: 0 });

    api.rotateNonce();
    expect(await callApi(page, api, OK)).toEqual({
      api: [
        [401, 'use_dpop_nonce', 'nonce stale'],
        [200, 'ok', 'valid'],
      ],
      tokenRequests: 0,
    });
    expect(await callApi(page, api, OK)).toEqual({ api: [[200, 'ok', 'valid']], tokenRequests: 0 });

    // The timeline on screen shows each nonce round trip as a 401 and its replay.
    const calls = (await page.timeline()).filter((line) => line.kind === 'call' || line.kind === 'replay');
    expect(calls.map((line) => [line.kind, line.count, line.status])).toEqual([
      ['call', 1, '401'],
      ['replay', 1, '200'],
      ['call', 1, '200'],
      ['call', 1, '401'],
      ['replay', 1, '200'],
      ['call', 1, '200'],
    ]);
  });

  it('reports a nonce the page cannot read (CORS hides DPoP-Nonce) as DPOP_NONCE (nonce_unreadable): one request, no retry, no refresh', async () => {
    const { api } = hiding!;
    const page = await signedIn(hiding!);
    /** What Chromium received from the API, before CORS decides what the page may read. */
    const onTheWire: { status: number; nonce: string | undefined; exposed: string | undefined }[] = [];
    page.page.on('response', (response) => {
      if (!response.url().startsWith(api.url) || response.request().method() !== 'GET') return;
      const headers = response.headers();
      onTheWire.push({
        status: response.status(),
        nonce: headers['dpop-nonce'],
        exposed: headers['access-control-expose-headers'],
      });
    });

    expect(await callApi(page, api, /^failed: /)).toEqual({
      api: [[401, 'use_dpop_nonce', 'nonce missing']],
      tokenRequests: 0,
    });
    expect(await page.text('api-result')).toBe('failed: DPOP_NONCE (nonce_unreadable)');
    // The nonce was there; only the missing Access-Control-Expose-Headers entry kept it from the page.
    expect(onTheWire).toEqual([
      { status: 401, nonce: expect.stringMatching(/^[\w-]{22}$/), exposed: 'WWW-Authenticate' },
    ]);
    const calls = (await page.timeline()).filter((line) => line.kind === 'call' || line.kind === 'replay');
    expect(calls.map((line) => [line.kind, line.count, line.status])).toEqual([['call', 1, '401']]);
    // Still signed in: a configuration error is not a session failure.
    expect(await page.text('user')).toBe('Alice Liddell');
  });

  it('an API that hides WWW-Authenticate too costs one refresh and one replay, then the 401: the page cannot tell a nonce challenge, and never loops', async () => {
    const { api } = blind!;
    const page = await signedIn(blind!);
    const start = provider.requestLog.length;

    // A bare 401 reads as a rejected token: refreshed once, replayed once (still without a nonce).
    expect(await callApi(page, api, /^failed: /)).toEqual({
      api: [
        [401, 'use_dpop_nonce', 'nonce missing'],
        [401, 'use_dpop_nonce', 'nonce missing'],
      ],
      tokenRequests: 1,
    });
    expect(await page.text('api-result')).toBe('failed: 401');
    expect(tokenRequests(start).map((entry) => [entry.grantType, entry.status])).toEqual([
      ['refresh_token', 200],
    ]);
    const lines = (await page.timeline()).filter((line) => line.kind !== 'sign-in');
    expect(lines.map((line) => [line.kind, line.status])).toEqual([
      ['call', '401'],
      ['stale', ''],
      ['refresh', 'ok'],
      ['replay', '401'],
    ]);
  });
});
