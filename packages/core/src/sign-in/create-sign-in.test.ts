import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeBrowser, installFakeBrowser } from '../../test/fixtures/fake-browser.js';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { CLIENT_ID, fakeOidcServer, ISSUER, REDIRECT_URI } from '../../test/fixtures/fake-oidc-server.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { trackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import { crossTab } from '../cross-tab/cross-tab.js';
import { isOAuthError, isTesseraError } from '../errors/guards.js';
import { createSessionStore } from '../session/session-store.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import { isTransient } from '../transient.js';
import type { createSignIn as CreateSignIn, SignIn } from './create-sign-in.js';
import type { SignInOptions } from './sign-in-options.js';

let now = 1_700_000_000_000;
const clock = () => now;
let oidc: ReturnType<typeof fakeOidcServer>;
const msw = setupServer();
let browser: FakeBrowser;
let createSignIn: typeof CreateSignIn;

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());
beforeEach(async () => {
  now = 1_700_000_000_000;
  oidc = fakeOidcServer(clock);
  msw.use(...oidc.handlers);
  browser = installFakeBrowser('https://app.example.test/orders?tab=open#top');
  createSignIn = await freshPage();
});
afterEach(() => {
  msw.resetHandlers();
  vi.unstubAllGlobals();
});

/** A new page load: the module state (callbacks in progress) starts empty; sessionStorage survives. */
async function freshPage(): Promise<typeof CreateSignIn> {
  vi.resetModules();
  return (await import('./create-sign-in.js')).createSignIn;
}

function setUp(options: Partial<SignInOptions> = {}) {
  const tokens = new TokenManager({
    fetchTokens: (context) => signIn.fetchTokens(context),
    clock,
    retry: false,
  });
  const navigations: string[] = [];
  const signIn: SignIn = createSignIn({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile offline_access',
    postLogoutRedirectUri: 'https://app.example.test/signed-out',
    tokens,
    clock,
    navigate: (url) => void navigations.push(url),
    // discover() keeps metadata per fetch for the process: each instance gets its own, so tests can change it.
    fetch: (input, init) => fetch(input, init),
    ...options,
  });
  return { signIn, tokens, navigations };
}

/** Starts a sign-in and lets the provider answer: the browser is now on the callback URL. */
async function signInAtProvider(signIn: SignIn, answer?: Parameters<typeof oidc.authorize>[1]) {
  const url = await signIn.buildAuthorizationUrl();
  const callback = oidc.authorize(url.href, answer);
  browser.visit(callback);
  return { url, callback };
}

describe('redirectUri', () => {
  it.each(['state', 'code', 'error', 'iss', 'session_state', 'error_description', 'error_uri'])(
    'one whose query has %s is refused when the sign-in is created: the response adds its own, so every callback would fail',
    (name) => {
      const redirectUri = `${REDIRECT_URI}?${name}=x`;
      expect(() => setUp({ redirectUri })).toThrow(TypeError);
      expect(() => setUp({ redirectUri })).toThrow(
        `createSignIn: redirectUri must not have a ${name} parameter (the response adds it)`,
      );
      expect(() => setUp({ redirectUri: new URL(redirectUri) })).toThrow(TypeError);
    },
  );

  it.each([
    'https://app.example.test/#/callback',
    `${REDIRECT_URI}#`,
    `${REDIRECT_URI}#top`,
    `${REDIRECT_URI}?tenant=a#/x`,
  ])(
    'one with a fragment (%s) is refused when the sign-in is created: RFC 6749 §3.1.2 forbids it',
    (redirectUri) => {
      expect(() => setUp({ redirectUri })).toThrow(TypeError);
      expect(() => setUp({ redirectUri })).toThrow(
        'createSignIn: redirectUri must not have a fragment (RFC 6749 §3.1.2)',
      );
      expect(() => setUp({ redirectUri: new URL(redirectUri) })).toThrow(TypeError);
    },
  );

  it('one with other parameters is accepted, and sent as it is', async () => {
    const redirectUri = `${REDIRECT_URI}?tenant=a&stated=1&STATE=2`;
    const { signIn } = setUp({ redirectUri });
    expect((await signIn.buildAuthorizationUrl()).searchParams.get('redirect_uri')).toBe(redirectUri);
  });

  it.each([
    ['a URL object', () => new URL(REDIRECT_URI)],
    ['in capitals with the default port', () => 'HTTPS://APP.Example.TEST:443/callback'],
  ])(
    'given as %s: sends the URL as the standard writes it, and completes the callback there',
    async (_, given) => {
      const redirectUri = given();
      const { signIn, tokens } = setUp({ redirectUri });
      // A URL object changed afterwards changes nothing: the sign-in took a copy.
      if (redirectUri instanceof URL) redirectUri.pathname = '/elsewhere';
      const { url } = await signInAtProvider(signIn);
      expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
      expect(await signIn.handleCallback()).toMatchObject({ status: 'handled' });
      expect(oidc.tokenRequests.map(({ form }) => form.get('redirect_uri'))).toEqual([REDIRECT_URI]);
      expect(tokens.peekTokens()?.accessToken).toBeTruthy();
    },
  );
});

describe('start', () => {
  it('sends an S256 challenge of a fresh verifier, a state and a nonce with openid', async () => {
    const { signIn, navigations } = setUp();
    await signIn.start({ prompt: 'login', loginHint: 'alice@example.test', resource: ['urn:a', 'urn:b'] });
    const url = new URL(navigations[0] as string);
    const query = url.searchParams;
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/authorize`);
    expect(
      Object.fromEntries(
        [...query].filter(([name]) => !['state', 'nonce', 'code_challenge', 'resource'].includes(name)),
      ),
    ).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access',
      code_challenge_method: 'S256',
      prompt: 'login',
      login_hint: 'alice@example.test',
    });
    expect(query.getAll('resource')).toEqual(['urn:a', 'urn:b']);
    const stored = JSON.parse(
      browser.sessionStorage.getItem(`tessera.sign-in.${query.get('state')}`) ?? '{}',
    );
    expect(createHash('sha256').update(stored.verifier).digest('base64url')).toBe(
      query.get('code_challenge'),
    );
    expect(stored.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stored.nonce).toBe(query.get('nonce'));
    expect(stored.returnTo).toBe('/orders?tab=open#top');
    expect(stored.issuer).toBe(ISSUER);
  });

  it('sends params as given where no option of that name is set (audience, resource), and the option where it is', async () => {
    const { signIn } = setUp();
    const given = await signIn.buildAuthorizationUrl({
      params: { resource: 'urn:from-params', audience: 'urn:aud', ui_locales: 'de' },
    });
    expect(given.searchParams.getAll('resource')).toEqual(['urn:from-params']);
    expect(given.searchParams.get('audience')).toBe('urn:aud');
    expect(given.searchParams.get('ui_locales')).toBe('de');
    const overridden = await signIn.buildAuthorizationUrl({
      resource: 'urn:option',
      params: { resource: 'urn:from-params', state: 'forged' },
    });
    expect(overridden.searchParams.getAll('resource')).toEqual(['urn:option']);
    expect(overridden.searchParams.getAll('state')).toHaveLength(1);
    expect(overridden.searchParams.get('state')).not.toBe('forged');
  });

  it('an option passed as undefined keeps its default', async () => {
    const { signIn } = setUp({ scope: undefined, transactionTtl: undefined } as never);
    const url = await signIn.buildAuthorizationUrl();
    expect(url.searchParams.get('scope')).toBe('openid');
    expect(url.searchParams.has('nonce')).toBe(true);
  });

  it('uses a fresh verifier, state and nonce for every attempt', async () => {
    const { signIn } = setUp();
    const urls = await Promise.all(Array.from({ length: 5 }, () => signIn.buildAuthorizationUrl()));
    for (const name of ['state', 'nonce', 'code_challenge']) {
      expect(new Set(urls.map((url) => url.searchParams.get(name))).size).toBe(5);
    }
  });

  it('sends no nonce without openid, and extra parameters cannot override state or the challenge', async () => {
    const { signIn } = setUp({ scope: 'api:read' });
    const url = await signIn.buildAuthorizationUrl({
      params: { state: 'attacker', code_challenge: 'x', ui_locales: 'de' },
      audience: 'https://api.example.test',
    });
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.getAll('state')).toHaveLength(1);
    expect(url.searchParams.get('state')).not.toBe('attacker');
    expect(url.searchParams.get('code_challenge')).not.toBe('x');
    expect(url.searchParams.get('ui_locales')).toBe('de');
    expect(url.searchParams.get('audience')).toBe('https://api.example.test');
  });

  it('a second start() while the first is navigating returns its promise: one navigation', async () => {
    const { signIn, navigations } = setUp();
    const calls = Array.from({ length: 100 }, () => signIn.start());
    expect(new Set(calls).size).toBe(1);
    await Promise.all(calls);
    expect(navigations).toHaveLength(1);
    // With the promise of that start(): a session store settles when it rejects.
    const result = await signIn.handleCallback();
    expect(result).toEqual({ status: 'navigating', navigation: expect.any(Promise) });
    expect(result.status === 'navigating' && result.navigation).toBe(calls[0]);
  });

  it('an abandoned navigation unblocks after navigationTimeout', async () => {
    const { signIn, navigations } = setUp({ navigationTimeout: 5_000 });
    await signIn.start();
    now += 5_000;
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    await signIn.start();
    expect(navigations).toHaveLength(2);
  });

  it('a start() that failed (discovery down) does not block the next one', async () => {
    let down = true;
    msw.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, () =>
        down ? HttpResponse.error() : HttpResponse.json(oidc.metadata),
      ),
    );
    const { signIn, navigations } = setUp();
    await expect(signIn.start()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    down = false;
    await signIn.start();
    expect(navigations).toHaveLength(1);
  });

  it('start() on plain http from a LAN address (no crypto.subtle) rejects with a typed error naming the secure context; nothing sent, stored or navigated', async () => {
    const { getRandomValues } = crypto; // available outside a secure context, unlike crypto.subtle
    vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(crypto) });
    let requests = 0;
    msw.events.on('request:start', () => {
      requests += 1;
    });
    const { signIn, navigations } = setUp();
    const error = await signIn.start().catch((caught: unknown) => caught);
    msw.events.removeAllListeners();
    expect(isTesseraError(error, 'SIGN_IN_FAILED')).toBe(true);
    expect(String(error)).toMatch(/needs a secure context \(https or localhost\)/);
    expect(navigations).toHaveLength(0);
    expect(browser.sessionStorage.length).toBe(0);
    expect(requests).toBe(0);
  });

  it('start() before the first load ended (its pageshow, not persisted, comes after): Back is still no longer navigating', async () => {
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    const pageshow = (persisted: boolean) =>
      page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
    const { signIn, navigations } = setUp();
    await signIn.start();
    pageshow(false); // the first load's own pageshow, after start()
    expect(await signIn.handleCallback()).toEqual({ status: 'navigating', navigation: expect.any(Promise) });
    pageshow(true); // Back from the provider
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    await signIn.start();
    expect(navigations).toHaveLength(2);
    pageshow(true); // and again, after the second start()
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
  });

  it('Back from the provider into the page kept in the bfcache is no longer navigating', async () => {
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    const { signIn, navigations } = setUp();
    await signIn.start();
    expect(await signIn.handleCallback()).toEqual({ status: 'navigating', navigation: expect.any(Promise) });
    page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    await signIn.start();
    expect(navigations).toHaveLength(2);
    // The abandoned sign-in is harmless: the new one completes with one token request.
    browser.visit(oidc.authorize(navigations[1] as string));
    expect(await signIn.handleCallback()).toMatchObject({ status: 'handled' });
    expect(oidc.tokenRequests).toHaveLength(1);
  });
});

describe('handleCallback', () => {
  it('exchanges the code with the verifier and the configured redirect_uri, stores the tokens, exposes the claims', async () => {
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({
      status: 'handled',
      tokens: { accessToken: 'at-2', refreshToken: 'rt-2' },
      claims: { sub: 'alice', name: 'Alice Example' },
      returnTo: '/orders?tab=open#top',
    });
    expect(tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(signIn.claims()?.name).toBe('Alice Example');
    expect(oidc.tokenRequests).toHaveLength(1);
    const form = oidc.tokenRequests[0]?.form;
    expect(form?.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(form?.get('client_id')).toBe(CLIENT_ID);
    expect(form?.has('iss')).toBe(false);
    expect(form?.has('state')).toBe(false);
  });

  it('cleans code, state and iss from the address bar before the token request, without a history entry', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn);
    browser.visit(`${browser.href}&utm_source=mail#/orders`);
    const length = browser.historyLength;
    await signIn.handleCallback();
    expect(oidc.tokenRequests[0]?.pageHref).toBe('https://app.example.test/callback?utm_source=mail#/orders');
    expect(browser.href).toBe('https://app.example.test/callback?utm_source=mail#/orders');
    expect(browser.historyLength).toBe(length);
  });

  it('cleans the address bar synchronously, before handleCallback() returns (before anything else on the page runs)', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn);
    const pending = signIn.handleCallback();
    expect(browser.href).toBe(REDIRECT_URI);
    expect((await pending).status).toBe('handled');
  });

  it('200 concurrent calls for one callback send one token request and resolve to the same session', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const second = setUp().signIn; // e.g. React StrictMode creates two
    const results = await Promise.all([
      ...Array.from({ length: 100 }, () => signIn.handleCallback(callback)),
      ...Array.from({ length: 100 }, () => second.handleCallback(callback)),
    ]);
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.status).toBe('handled');
    expect(await signIn.handleCallback(callback)).toBe(results[0]);
  });

  it('a second handleCallback() from the address bar while the first is in progress (StrictMode runs effects twice) shares its result: one token request', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn);
    const second = setUp().signIn; // created in render: StrictMode makes two
    const first = signIn.handleCallback();
    // The address bar is clean now; the effect runs again, with either instance.
    const again = [signIn.handleCallback(), second.handleCallback()];
    const results = await Promise.all([first, ...again]);
    expect(results.map((result) => result.status)).toEqual(['handled', 'handled', 'handled']);
    expect(new Set(results).size).toBe(1);
    expect(oidc.tokenRequests).toHaveLength(1);
    // Once settled, the clean page is a page like any other.
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
  });

  it('a long-lived page remembers the latest settled callbacks only; one asked for again after that is a replay', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const first = await signIn.handleCallback(callback);
    expect(first.status).toBe('handled');
    // Still remembered: the same result (StrictMode's second call, a second instance).
    expect(await signIn.handleCallback(callback)).toBe(first);
    for (let index = 0; index < 1000; index += 1) {
      await signIn.handleCallback(`${REDIRECT_URI}?code=x&state=unknown-${index}`);
    }
    // Forgotten: taken from storage anew, where its transaction is used; the session is kept.
    expect(await signIn.handleCallback(callback)).toEqual({ status: 'not-a-callback', cleaned: true });
    expect(tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('ignores a foreign ?code&state on another route: no request, no error, URL and session untouched', async () => {
    const { signIn, tokens } = setUp();
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
    await signIn.buildAuthorizationUrl();
    browser.visit('https://app.example.test/integrations/slack?code=x&state=y');
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    expect(browser.href).toBe('https://app.example.test/integrations/slack?code=x&state=y');
    expect(tokens.peekTokens()?.accessToken).toBe('at-0');
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a real callback on the redirect path with a trailing slash (/callback/) is not the redirect URI: untouched, and the sign-in stays pending for /callback', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const slashed = callback.replace('/callback?', '/callback/?');
    browser.visit(slashed);
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    expect(browser.href).toBe(slashed);
    expect(oidc.tokenRequests).toHaveLength(0);
    browser.visit(callback);
    expect(await signIn.handleCallback()).toMatchObject({ status: 'handled' });
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(tokens.peekTokens()).toBeDefined();
  });

  it.each([
    ['a foreign callback', 'https://app.example.test/#/integrations/slack?code=x&state=y'],
    ["the app's own code", 'https://app.example.test/#/verify-email?code=123456'],
  ])(
    'ignores %s on another hash route when the redirect URI is the root: no request, no error, URL untouched',
    async (_, href) => {
      const { signIn, tokens } = setUp({ redirectUri: 'https://app.example.test/' });
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
      await signIn.buildAuthorizationUrl();
      browser.visit(href);
      expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
      expect(browser.href).toBe(href);
      expect(tokens.peekTokens()?.accessToken).toBe('at-0');
      await tokens.clear();
      expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
      expect(browser.href).toBe(href);
      expect(oidc.tokenRequests).toHaveLength(0);
    },
  );

  it('a page without callback parameters is not a callback', async () => {
    const { signIn } = setUp();
    browser.visit(REDIRECT_URI);
    expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    expect(await signIn.handleCallback('not a url')).toEqual({ status: 'not-a-callback', cleaned: false });
  });

  it.each([
    [
      '/#/callback?code=…',
      (cb: URL) => `https://app.example.test/#/callback?${cb.searchParams}`,
      'https://app.example.test/#/callback',
    ],
    [
      '/?code=…#/route',
      (cb: URL) => `https://app.example.test/?${cb.searchParams}#/route`,
      'https://app.example.test/#/route',
    ],
    ['#/code=…', (cb: URL) => `https://app.example.test/#/${cb.searchParams}`, 'https://app.example.test/#/'],
  ])('parses %s and cleans it', async (_, rewrite, clean) => {
    const { signIn } = setUp({ redirectUri: 'https://app.example.test/' });
    const url = await signIn.buildAuthorizationUrl();
    const callback = new URL(oidc.authorize(url.href));
    if (_ === '/#/callback?code=…') {
      // a hash router whose callback route is the redirect URI's path
      const hashRouted = setUp({ redirectUri: 'https://app.example.test/callback' }).signIn;
      const other = new URL(oidc.authorize((await hashRouted.buildAuthorizationUrl()).href));
      browser.visit(rewrite(other));
      expect((await hashRouted.handleCallback()).status).toBe('handled');
      expect(browser.href).toBe(clean);
      return;
    }
    browser.visit(rewrite(callback));
    expect((await signIn.handleCallback()).status).toBe('handled');
    expect(browser.href).toBe(clean);
  });

  it('accepts an explicit URL captured before a router rewrote the address bar', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    browser.visit('https://app.example.test/');
    expect((await signIn.handleCallback(new URL(callback))).status).toBe('handled');
    expect(browser.href).toBe('https://app.example.test/');
  });

  it.each([
    ['//evil.example/phish', '/'],
    ['https://evil.example/phish', '/'],
    ['javascript:alert(document.cookie)', '/'],
    ['/\\evil.example/phish', '/'],
    ['https://app.example.test//evil.example/phish', '/evil.example/phish'],
    ['https://app.example.test/orders?page=2#top', '/orders?page=2#top'],
  ])('returns to a path on the app origin only: returnTo %s comes back as %s', async (returnTo, path) => {
    const { signIn } = setUp();
    const url = await signIn.buildAuthorizationUrl({ returnTo });
    browser.visit(oidc.authorize(url.href));
    expect(await signIn.handleCallback()).toMatchObject({ status: 'handled', returnTo: path });
  });

  it('the current URL as returnTo cannot lead off-site: a page at //evil.example/… returns to /', async () => {
    browser.visit('https://app.example.test//evil.example/phish?x=1');
    const { signIn } = setUp();
    const url = await signIn.buildAuthorizationUrl();
    browser.visit(oidc.authorize(url.href));
    expect(await signIn.handleCallback()).toMatchObject({ status: 'handled', returnTo: '/' });
  });

  it('a returnTo on another origin stored by an older version comes back as /', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
    const stored = JSON.parse(browser.sessionStorage.getItem(key) ?? '{}');
    browser.sessionStorage.setItem(key, JSON.stringify({ ...stored, returnTo: '//evil.example/' }));
    expect(await signIn.handleCallback()).toMatchObject({ status: 'handled', returnTo: '/' });
  });
});

describe('a callback that is not for a pending sign-in sends no token request', () => {
  it('a replay after a reload, with a session: the URL is cleaned and the session kept', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    await signIn.handleCallback();
    browser.visit(callback); // Back, or reload before the URL was cleaned
    createSignIn = await freshPage();
    const page = setUp();
    await page.tokens.setTokens({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 300 });
    expect(await page.signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: true });
    expect(browser.href).toBe(REDIRECT_URI);
    expect(page.tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it.each([
    ['a crafted ?error= link', '?error=access_denied&error_description=Your+account+was+locked'],
    ['a code without state', '?code=x'],
  ])(
    'a callback without state on a signed-in page (%s): no error, the URL cleaned, the session kept, nothing sent',
    async (_, query) => {
      const { signIn, tokens } = setUp();
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
      const events: string[] = [];
      tokens.subscribe((event) => void events.push(event.type));
      const sent: string[] = [];
      const record = ({ request }: { request: Request }) => void sent.push(request.url);
      msw.events.on('request:start', record);
      browser.visit(`${REDIRECT_URI}${query}`);
      try {
        expect(await signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: true });
      } finally {
        msw.events.removeListener('request:start', record);
      }
      expect(browser.href).toBe(REDIRECT_URI);
      expect(tokens.peekTokens()?.accessToken).toBe('at-0');
      expect(events).toEqual([]);
      expect(sent).toEqual([]);
    },
  );

  it('a replay without a session is a StaleCallbackError that keeps the original error', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn, { error: 'access_denied' });
    expect(await signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { error: 'access_denied' },
    });
    browser.visit(callback);
    createSignIn = await freshPage();
    const result = await setUp().signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { name: 'StaleCallbackError' } });
    expect(result).toMatchObject({
      error: { code: 'STALE_CALLBACK', reason: 'replayed', authorizationError: { error: 'access_denied' } },
    });
    expect(browser.href).toBe(REDIRECT_URI);
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a callback in a fresh storage context is a PkceVerifierMissingError', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    installFakeBrowser(callback); // another tab, browser or installed app: its own sessionStorage
    createSignIn = await freshPage();
    const result = await setUp().signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { name: 'PkceVerifierMissingError' } });
    expect(result.status === 'error' && result.error.message).toMatch(/another tab, browser or app/);
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a stored sign-in without its verifier (storage edited, or written by something else) is a PkceVerifierMissingError', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
    const { verifier: _, ...rest } = JSON.parse(browser.sessionStorage.getItem(key) ?? '{}');
    browser.sessionStorage.setItem(key, JSON.stringify(rest));
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { name: 'PkceVerifierMissingError' } });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it('a tampered state is a StaleCallbackError; the real callback still completes afterwards', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'attacker-state');
    const result = await signIn.handleCallback(tampered);
    expect(result).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'unknown-state' },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect((await signIn.handleCallback(callback)).status).toBe('handled');
  });

  it('a tampered state after a completed sign-in is a StaleCallbackError, not a missing verifier', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    await signIn.handleCallback();
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'attacker-state');
    createSignIn = await freshPage();
    const page = setUp();
    expect(await page.signIn.handleCallback(tampered)).toMatchObject({
      error: { name: 'StaleCallbackError', reason: 'unknown-state' },
    });
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('a callback without state on the redirect URI is a StaleCallbackError', async () => {
    const { signIn } = setUp();
    browser.visit(`${REDIRECT_URI}?error=login_required`);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({
      error: { reason: 'missing-state', authorizationError: { error: 'login_required' } },
    });
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it('a second handleCallback() from the cleaned address bar gets the same StaleCallbackError, not not-a-callback', async () => {
    const { signIn } = setUp();
    browser.visit(`${REDIRECT_URI}?error=login_required`);
    const results = await Promise.all([signIn.handleCallback(), signIn.handleCallback()]);
    expect(results[1]).toBe(results[0]);
    expect(results[0]).toMatchObject({ error: { reason: 'missing-state' } });
  });

  it('an empty code (?code=&state=…) is a StaleCallbackError (missing-code): no token request, a clean URL, the sign-in used up', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const empty = new URL(callback);
    empty.searchParams.set('code', '');
    browser.visit(empty.href);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'missing-code' },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(browser.href).toBe(REDIRECT_URI);
    browser.visit(callback);
    createSignIn = await freshPage();
    expect(await setUp().signIn.handleCallback()).toMatchObject({
      error: { code: 'STALE_CALLBACK', reason: 'replayed' },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a sign-in older than transactionTtl is a StaleCallbackError (expired)', async () => {
    const { signIn } = setUp({ transactionTtl: 60_000 });
    await signInAtProvider(signIn);
    now += 60_001;
    expect(await signIn.handleCallback()).toMatchObject({ error: { reason: 'expired' } });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a sign-in dated ahead of the clock (set back since) does not stay valid: it expires like an old one', async () => {
    const { signIn } = setUp({ transactionTtl: 60_000 });
    now += 60_001;
    const url = await signIn.buildAuthorizationUrl();
    now -= 60_001;
    browser.visit(oidc.authorize(url.href));
    expect(await signIn.handleCallback()).toMatchObject({ error: { reason: 'expired' } });
    now += 3600_000;
    const later = await signIn.buildAuthorizationUrl();
    now -= 3600_000;
    browser.visit(oidc.authorize(later.href));
    expect(await signIn.handleCallback()).toMatchObject({ error: { reason: 'expired' } });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it.each([
    ['alone in its storage', false],
    ['with a newer sign-in pending', true],
  ])(
    'a sign-in expired long ago (past twice transactionTtl), %s, is a StaleCallbackError (expired), not a missing verifier',
    async (_, newer) => {
      const { signIn } = setUp({ transactionTtl: 60_000 });
      await signInAtProvider(signIn);
      now += 3600_000; // the user left the provider's login page open for an hour
      if (newer) {
        const entry = { state: 'newer', verifier: 'v', issuer: ISSUER, issRequired: false, createdAt: now };
        browser.sessionStorage.setItem('tessera.sign-in.newer', JSON.stringify(entry));
      }
      const result = await signIn.handleCallback();
      expect(result).toMatchObject({
        status: 'error',
        error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'expired' },
      });
      expect(result.status === 'error' && result.error.message).toMatch(/its sign-in expired/);
      expect(oidc.tokenRequests).toHaveLength(0);
      expect(browser.href).toBe(REDIRECT_URI);
    },
  );

  it('keeps at most maxTransactions pending sign-ins, dropping the oldest', async () => {
    const { signIn } = setUp({ maxTransactions: 3 });
    const urls: URL[] = [];
    for (let index = 0; index < 5; index += 1) {
      urls.push(await signIn.buildAuthorizationUrl());
      now += 1;
    }
    const pending = () =>
      Array.from({ length: browser.sessionStorage.length }, (_, i) => browser.sessionStorage.key(i)).filter(
        (key) => key?.startsWith('tessera.sign-in.'),
      );
    expect(pending()).toHaveLength(3);
    const oldest = await signIn.handleCallback(oidc.authorize(urls[0]?.href ?? ''));
    expect(oldest).toMatchObject({ error: { reason: 'unknown-state' } });
    expect((await signIn.handleCallback(oidc.authorize(urls[4]?.href ?? ''))).status).toBe('handled');
  });

  it('two sign-ins started in one storage both complete, each checking its own nonce', async () => {
    const a = setUp().signIn;
    const b = setUp().signIn;
    const first = oidc.authorize((await a.buildAuthorizationUrl()).href);
    const second = oidc.authorize((await b.buildAuthorizationUrl()).href);
    expect((await a.handleCallback(first)).status).toBe('handled');
    expect((await b.handleCallback(second)).status).toBe('handled');
    expect(oidc.tokenRequests).toHaveLength(2);
  });
});

describe('a failure before the code was sent (decision 1100, update)', () => {
  /** The callback page's discovery fails with a network error until `up()`; counts its requests. */
  function discoveryDown() {
    let down = true;
    let requests = 0;
    msw.use(
      http.get(`${ISSUER}/.well-known/openid-configuration`, () => {
        requests += 1;
        return down ? HttpResponse.error() : undefined; // undefined: the fake server answers
      }),
    );
    return {
      up: () => {
        down = false;
      },
      requests: () => requests,
    };
  }

  it('a network failure of discovery is a retryable NetworkError; handleCallback() again completes the sign-in with one token request', async () => {
    const { callback } = await signInAtProvider(setUp().signIn);
    const discovery = discoveryDown();
    const page = setUp(); // the callback page: its metadata is not discovered yet
    const first = await page.signIn.handleCallback();
    expect(first).toMatchObject({ status: 'error', error: { name: 'NetworkError', code: 'NETWORK_ERROR' } });
    expect(first.status === 'error' && isTransient(first.error)).toBe(true);
    expect(oidc.tokenRequests).toHaveLength(0);
    // Put back, so a reload retries too.
    expect(browser.href).toBe(callback);
    discovery.up();
    // A retry button clicked twice, with a second instance (StrictMode): one token request.
    const retries = await Promise.all([page.signIn.handleCallback(), setUp().signIn.handleCallback()]);
    expect(retries.map((result) => result.status)).toEqual(['handled', 'handled']);
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(page.tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(browser.href).toBe(REDIRECT_URI);
    expect(discovery.requests()).toBe(2);
  });

  it('a reload after a discovery failure completes the sign-in with one token request', async () => {
    const { callback } = await signInAtProvider(setUp().signIn);
    const discovery = discoveryDown();
    expect((await setUp().signIn.handleCallback()).status).toBe('error');
    discovery.up();
    createSignIn = await freshPage();
    browser.visit(browser.href); // reload: the same URL
    expect(browser.href).toBe(callback);
    expect(await setUp().signIn.handleCallback()).toMatchObject({ status: 'handled' });
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('the code put back in the address bar is useless elsewhere: a second tab opening that URL gets PkceVerifierMissingError and sends nothing, and this tab still completes', async () => {
    const { callback } = await signInAtProvider(setUp().signIn);
    const discovery = discoveryDown();
    expect((await setUp().signIn.handleCallback()).status).toBe('error');
    expect(browser.href).toBe(callback);
    const here = browser;
    discovery.up();
    // The URL shared, bookmarked or pasted into a new tab: its own, empty sessionStorage.
    browser = installFakeBrowser(callback);
    createSignIn = await freshPage();
    const other = await setUp().signIn.handleCallback();
    expect(other).toMatchObject({ status: 'error', error: { name: 'PkceVerifierMissingError' } });
    expect(other.status === 'error' && isTesseraError(other.error, 'PKCE_VERIFIER_MISSING')).toBe(true);
    expect(String(other.status === 'error' && other.error.message)).not.toContain('code-');
    expect(browser.href).toBe(REDIRECT_URI);
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(discovery.requests()).toBe(1); // the failed one of the first tab: the second tab discovered nothing
    // Back in the first tab, a retry completes with the one token request.
    browser = installFakeBrowser(callback, here.sessionStorage);
    createSignIn = await freshPage();
    expect(await setUp().signIn.handleCallback()).toMatchObject({ status: 'handled' });
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('once the code was sent (the token request failed on the network), it is spent: a retry sends nothing', async () => {
    const { callback } = await signInAtProvider(setUp().signIn);
    msw.use(http.post(`${ISSUER}/token`, () => HttpResponse.error(), { once: true }));
    const page = setUp().signIn;
    expect((await page.handleCallback()).status).toBe('error');
    expect(browser.href).toBe(REDIRECT_URI);
    createSignIn = await freshPage();
    const again = await setUp().signIn.handleCallback(callback);
    expect(again).toMatchObject({ status: 'error', error: { code: 'STALE_CALLBACK', reason: 'replayed' } });
    expect(oidc.tokenRequests).toHaveLength(0); // the fake server never saw the first one
  });
});

describe('when sessionStorage fails', () => {
  const broken = (): Storage => {
    const fail = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    return { length: 0, clear: fail, getItem: fail, key: fail, removeItem: fail, setItem: fail };
  };

  it('start() rejects with a typed error and does not navigate', async () => {
    const { signIn, navigations } = setUp({ transactionStorage: broken() });
    await expect(signIn.start()).rejects.toMatchObject({
      code: 'SIGN_IN_FAILED',
      cause: { name: 'QuotaExceededError' },
    });
    expect(navigations).toHaveLength(0);
  });

  it('start() keeps a storage error that quotes no verifier as it is: an app can check its class', async () => {
    const { signIn } = setUp({ transactionStorage: broken() });
    const error = (await signIn.start().catch((caught: unknown) => caught)) as Error;
    expect(isTesseraError(error, 'SIGN_IN_FAILED')).toBe(true);
    expect(error.cause).toBeInstanceOf(DOMException);
    expect(error.cause).toMatchObject({ name: 'QuotaExceededError', code: 22 });
  });

  it('handleCallback() resolves to a typed error, cleans the URL and sends no token request', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const result = await setUp({ transactionStorage: broken() }).signIn.handleCallback(callback);
    expect(result).toMatchObject({ status: 'error', error: { code: 'SIGN_IN_FAILED' } });
    expect(browser.href).toBe(REDIRECT_URI);
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  /** `sessionStorage`, but writing a pending sign-in fails with an error quoting it, once `failing`. */
  function quotingStorage() {
    const written: string[] = [];
    const storage = {
      failing: false,
      written,
      area: new Proxy(browser.sessionStorage, {
        get(target, name) {
          if (name !== 'setItem') return Reflect.get(target, name);
          return (key: string, value: string) => {
            if (!storage.failing || !value.includes('verifier')) return target.setItem(key, value);
            written.push(value);
            throw new Error(`cannot store ${key}=${value}`, { cause: new TypeError(`rejected: ${value}`) });
          };
        },
      }),
    };
    return storage;
  }
  /** The PKCE verifier of every sign-in `storage` failed to write. */
  const verifiersOf = (storage: { written: string[] }) =>
    storage.written.map((value) => JSON.parse(value).verifier as string);

  it('start() with a storage whose error quotes what it was given: SIGN_IN_FAILED, the cause kept without the PKCE verifier', async () => {
    const storage = quotingStorage();
    storage.failing = true;
    const { signIn, navigations } = setUp({ transactionStorage: storage.area });
    const error = (await signIn.start().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({
      code: 'SIGN_IN_FAILED',
      cause: {
        name: 'Error',
        message: expect.stringContaining('cannot store'),
        cause: { name: 'TypeError' },
      },
    });
    const [verifier] = verifiersOf(storage);
    expect(verifier).toMatch(/^[\w-]{43}$/);
    const cause = error.cause as Error;
    expect(cause.message).toContain('"verifier":"[redacted]"');
    for (const text of [
      inspect(error, { depth: 9 }),
      JSON.stringify(error),
      cause.message,
      String(cause.cause),
    ])
      expect(text).not.toContain(verifier);
    expect(navigations).toHaveLength(0);
  });

  it('a callback whose sign-in cannot be put back after a discovery failure: SIGN_IN_FAILED without the PKCE verifier', async () => {
    const storage = quotingStorage();
    const { callback } = await signInAtProvider(setUp({ transactionStorage: storage.area }).signIn);
    msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.error()));
    storage.failing = true;
    const result = await setUp({ transactionStorage: storage.area }).signIn.handleCallback(callback);
    expect(result).toMatchObject({ status: 'error', error: { code: 'SIGN_IN_FAILED' } });
    const [verifier] = verifiersOf(storage);
    expect(verifier).toMatch(/^[\w-]{43}$/);
    const error = result.status === 'error' ? result.error : undefined;
    for (const text of [inspect(result, { depth: 9 }), JSON.stringify(result), String(error?.cause)])
      expect(text).not.toContain(verifier);
    expect(oidc.tokenRequests).toHaveLength(0);
  });
});

describe('RFC 9207 iss and OAuth errors', () => {
  it('a wrong iss is rejected before the token request', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: 'https://evil.example.test' });
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { name: 'IssuerMismatchError' } });
    expect(result).toMatchObject({ error: { expected: ISSUER, received: 'https://evil.example.test' } });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it('a missing iss is rejected when the server advertises it, accepted when it does not', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: null });
    expect(await signIn.handleCallback()).toMatchObject({
      error: { code: 'ISSUER_MISMATCH', received: undefined },
    });
    oidc.metadata.authorization_response_iss_parameter_supported = false;
    const other = setUp().signIn;
    await signInAtProvider(other, { iss: null });
    expect((await other.handleCallback()).status).toBe('handled');
  });

  it('a wrong iss is rejected before the token request when the server does not advertise iss either (RFC 9207 §2.4)', async () => {
    oidc.metadata.authorization_response_iss_parameter_supported = undefined;
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: 'https://evil.example.test' });
    expect(await signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { code: 'ISSUER_MISMATCH', received: 'https://evil.example.test' },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a sign-in started while the server advertised iss still requires it after the metadata stops advertising it (a fresh page)', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: null });
    oidc.metadata.authorization_response_iss_parameter_supported = false;
    createSignIn = await freshPage();
    expect(await setUp().signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { code: 'ISSUER_MISMATCH', received: undefined },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a sign-in started before the server advertised iss requires it once the metadata at the callback advertises it', async () => {
    oidc.metadata.authorization_response_iss_parameter_supported = false;
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn, { iss: null });
    oidc.metadata.authorization_response_iss_parameter_supported = true;
    createSignIn = await freshPage();
    expect(await setUp().signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { code: 'ISSUER_MISMATCH', received: undefined },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it.each([
    ['the string "false"', 'false'],
    ['the string "true"', 'true'],
    ['1', 1],
    ['0', 0],
    ['an empty string', ''],
  ])(
    'a server advertising iss as %s (not a boolean) has it required, at the callback and for the sign-ins it started (fail closed, RFC 9207)',
    async (_, value) => {
      oidc.metadata.authorization_response_iss_parameter_supported = value as never;
      const { signIn } = setUp();
      await signInAtProvider(signIn, { iss: null });
      expect(await signIn.handleCallback()).toMatchObject({
        status: 'error',
        error: { code: 'ISSUER_MISMATCH', received: undefined },
      });
      // Started now, completed on a fresh page after the metadata says `false`: still required.
      const { callback } = await signInAtProvider(setUp().signIn, { iss: null });
      oidc.metadata.authorization_response_iss_parameter_supported = false;
      createSignIn = await freshPage();
      expect(await setUp().signIn.handleCallback(callback)).toMatchObject({
        status: 'error',
        error: { code: 'ISSUER_MISMATCH', received: undefined },
      });
      expect(oidc.tokenRequests).toHaveLength(0);
      // With iss, it signs in.
      oidc.metadata.authorization_response_iss_parameter_supported = value as never;
      const other = setUp().signIn;
      await signInAtProvider(other);
      expect((await other.handleCallback()).status).toBe('handled');
      expect(oidc.tokenRequests).toHaveLength(1);
    },
  );

  it('a server advertising iss as null counts as not advertising it: a missing iss is accepted', async () => {
    oidc.metadata.authorization_response_iss_parameter_supported = null as never;
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: null });
    expect((await signIn.handleCallback()).status).toBe('handled');
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('iss is checked before an error is acted on', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { error: 'access_denied', iss: 'https://evil.example.test' });
    expect(await signIn.handleCallback()).toMatchObject({ error: { code: 'ISSUER_MISMATCH' } });
  });

  it('error=access_denied is an OAuthError, with no token request and a clean URL', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { error: 'access_denied' });
    const result = await signIn.handleCallback();
    expect(result.status === 'error' && isOAuthError(result.error, 'access_denied')).toBe(true);
    expect(result).toMatchObject({ error: { errorDescription: 'The user cancelled' } });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it('a response with both code and error is the error: no token request, a clean URL', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    browser.visit(`${callback}&error=access_denied`);
    const result = await signIn.handleCallback();
    expect(result.status === 'error' && isOAuthError(result.error, 'access_denied')).toBe(true);
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it('login_required from prompt=none ends in one error result and never navigates', async () => {
    const { signIn, navigations, tokens } = setUp();
    const url = await signIn.buildAuthorizationUrl({ prompt: 'none' });
    browser.visit(oidc.authorize(url.href, { error: 'login_required' }));
    const events: string[] = [];
    tokens.subscribe((event) => void events.push(event.type));
    expect(await signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { error: 'login_required' },
    });
    expect(navigations).toHaveLength(0);
    expect(events).toEqual([]);
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a refused code exchange is the token endpoint OAuthError; no secret in any rendering', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const stored = browser.sessionStorage.getItem(
      `tessera.sign-in.${new URL(callback).searchParams.get('state')}`,
    );
    const verifier = JSON.parse(stored ?? '{}').verifier as string;
    msw.use(
      http.post(`${ISSUER}/token`, () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 })),
    );
    const result = await signIn.handleCallback();
    expect(result.status === 'error' && isOAuthError(result.error, 'invalid_grant')).toBe(true);
    const error = result.status === 'error' ? result.error : undefined;
    for (const rendering of [String(error), JSON.stringify(error), error?.stack ?? '']) {
      expect(rendering).not.toContain(verifier);
      expect(rendering).not.toContain('code-');
    }
  });

  it('the refusal a session store kept for the manager (a remounted provider) carries no code, state or verifier (second reading, stop 38)', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const state = new URL(callback).searchParams.get('state') ?? '';
    const code = new URL(callback).searchParams.get('code') ?? '';
    const verifier = JSON.parse(browser.sessionStorage.getItem(`tessera.sign-in.${state}`) ?? '{}')
      .verifier as string;
    msw.use(
      http.post(`${ISSUER}/token`, () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 })),
    );
    const first = createSessionStore(tokens, signIn);
    first.subscribe(() => {})();
    await first.ready();
    const remounted = createSessionStore(tokens);
    await remounted.ready();
    const { error } = remounted.getSnapshot() as { error?: Error };
    expect(isOAuthError(error, 'invalid_grant')).toBe(true);
    for (const rendering of [String(error), JSON.stringify(error), inspect(error, { depth: 9 })]) {
      for (const secret of [verifier, code, state]) expect(rendering).not.toContain(secret);
    }
  });
});

describe('a repeated response parameter (RFC 6749 §3.1)', () => {
  it.each([
    ['code', undefined, '&code=code-attacker'],
    ['state', undefined, '&state=forged'],
    ['iss', undefined, '&iss=https://evil.example.test'],
    ['error', { error: 'access_denied' }, '&error=server_error'],
  ] as const)(
    'a repeated %s is refused: no token request, a clean URL, and the sign-in is used up',
    async (_, answer, repeat) => {
      const { signIn, tokens } = setUp();
      const { callback } = await signInAtProvider(signIn, answer);
      browser.visit(`${callback}${repeat}`);
      const result = await signIn.handleCallback();
      expect(result).toMatchObject({
        status: 'error',
        error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'repeated-parameter' },
      });
      expect(result.status === 'error' && isTesseraError(result.error, 'STALE_CALLBACK')).toBe(true);
      expect(result.status === 'error' && result.error.message).not.toContain('code-');
      expect(oidc.tokenRequests).toHaveLength(0);
      expect(tokens.peekTokens()).toBeUndefined();
      expect(browser.href).toBe(REDIRECT_URI);
      // The transaction went with the refused callback: the unpolluted URL is a replay, never exchanged.
      browser.visit(callback);
      createSignIn = await freshPage();
      expect(await setUp().signIn.handleCallback()).toMatchObject({
        status: 'error',
        error: { code: 'STALE_CALLBACK', reason: 'replayed' },
      });
      expect(oidc.tokenRequests).toHaveLength(0);
    },
  );

  it.each([
    ['code in the query and the hash', (callback: string) => `${callback}#code=code-attacker`],
    ['state in the query and the hash', (callback: string) => `${callback}#state=forged`],
    [
      'iss in the query and a hash route',
      (callback: string) => `${callback}#/orders?iss=https://evil.example.test`,
    ],
    [
      'a code in the query and an error in the hash',
      (callback: string) => `${callback}#error=access_denied&error_description=denied`,
    ],
    ['a code in the query and an error in a hash route', (callback: string) => `${callback}#/orders?error=x`],
  ])(
    '%s is a repeat too: refused, no token request, a clean URL, the sign-in used up',
    async (_, pollute) => {
      const { signIn, tokens } = setUp();
      const { callback } = await signInAtProvider(signIn);
      browser.visit(pollute(callback));
      expect(await signIn.handleCallback()).toMatchObject({
        status: 'error',
        error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'repeated-parameter' },
      });
      expect(oidc.tokenRequests).toHaveLength(0);
      expect(tokens.peekTokens()).toBeUndefined();
      expect(new URL(browser.href).search).toBe('');
      expect(new URL(browser.href).hash).not.toMatch(/code|state|iss/);
      browser.visit(callback);
      createSignIn = await freshPage();
      expect(await setUp().signIn.handleCallback()).toMatchObject({
        error: { code: 'STALE_CALLBACK', reason: 'replayed' },
      });
      expect(oidc.tokenRequests).toHaveLength(0);
    },
  );

  it('a code in the query beside a hash-routed callback: refused (the query, read first, has no state), no token request', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const query = new URL(callback).searchParams;
    browser.visit(`https://app.example.test/callback?code=code-attacker#/callback?${query}`);
    expect(await signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'missing-state' },
    });
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(browser.href).toBe('https://app.example.test/callback#/callback');
  });

  it.each([
    ['#/orders', '#/orders'],
    ['#/orders?tab=open&tab=closed', '#/orders?tab=open&tab=closed'],
    ['#top', '#top'],
    ['#tab=open', '#tab=open'],
  ])('an unrelated hash of the app (%s) beside the callback query still signs in', async (hash, kept) => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    browser.visit(`${callback}${hash}`);
    expect((await signIn.handleCallback()).status).toBe('handled');
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(browser.href).toBe(`${REDIRECT_URI}${kept}`);
  });

  it('a parameter of the app repeated in the callback query is not a reason to refuse it', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    browser.visit(`${callback}&tab=a&tab=b`);
    expect((await signIn.handleCallback()).status).toBe('handled');
    expect(browser.href).toBe(`${REDIRECT_URI}?tab=a&tab=b`);
    expect(oidc.tokenRequests).toHaveLength(1);
  });
});

describe('text from the callback URL in error messages (decision 1106)', () => {
  const PHISH = 'Your account is locked.\nCall +1 555 0100 now \u202Egnp.exe';

  it.each([
    ['without state', ''],
    ['with a state of no sign-in', '&state=made-up'],
  ])(
    'a stale callback (%s) never quotes its error or error_description; the fields keep them as sent',
    async (_, state) => {
      const { signIn } = setUp();
      await signIn.buildAuthorizationUrl(); // a sign-in pending, of another state
      const text = encodeURIComponent(PHISH);
      browser.visit(`${REDIRECT_URI}?error=${text}&error_description=${text}${state}`);
      const result = await signIn.handleCallback();
      expect(result).toMatchObject({
        status: 'error',
        error: { code: 'STALE_CALLBACK', authorizationError: { error: PHISH, errorDescription: PHISH } },
      });
      const message = result.status === 'error' ? result.error.message : '';
      expect(message).not.toContain('Call');
      expect(message).not.toContain('locked');
      expect(oidc.tokenRequests).toHaveLength(0);
    },
  );

  it('an error callback of a pending sign-in quotes error and error_description printable, at most 200 characters each', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn, { error: 'access_denied' });
    const url = new URL(callback);
    const description = `denied\r\n[INFO] signed in as admin \u202Egnp.exe ${'x'.repeat(1_000_000)}`;
    url.searchParams.set('error', 'access_denied\u0000');
    url.searchParams.set('error_description', description);
    browser.visit(url.href);
    const result = await signIn.handleCallback();
    expect(result.status === 'error' && isOAuthError(result.error)).toBe(true);
    const error = result.status === 'error' ? result.error : undefined;
    expect(error?.message).toBe(
      `Sign-in refused with access_denied\uFFFD: denied\uFFFD\uFFFD[INFO] signed in as admin \uFFFDgnp.exe ${'x'.repeat(157)}…`,
    );
    expect(error).toMatchObject({ error: 'access_denied\u0000', errorDescription: description });
    expect(oidc.tokenRequests).toHaveLength(0);
  });

  it('a wrong iss is quoted printable and cut in the IssuerMismatchError message', async () => {
    const { signIn } = setUp();
    const iss = `https://evil.example.test/\nCall 555 0100${'/'.repeat(500)}`;
    await signInAtProvider(signIn, { iss });
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({ error: { code: 'ISSUER_MISMATCH', received: iss } });
    const message = result.status === 'error' ? result.error.message : '';
    expect(message).not.toContain('\n');
    expect(message).toContain(`got iss "https://evil.example.test/\uFFFDCall 555 0100${'/'.repeat(160)}…"`);
  });
});

describe('two providers on one redirect URI (mix-up)', () => {
  const OTHER = 'https://other-idp.example.test';
  let otherTokenRequests: URLSearchParams[];
  beforeEach(() => {
    otherTokenRequests = [];
    msw.use(
      http.get(
        `${OTHER}/.well-known/oauth-authorization-server`,
        () => new HttpResponse(null, { status: 404 }),
      ),
      http.get(`${OTHER}/.well-known/openid-configuration`, () =>
        HttpResponse.json({
          issuer: OTHER,
          authorization_endpoint: `${OTHER}/authorize`,
          token_endpoint: `${OTHER}/token`,
        }),
      ),
      http.post(`${OTHER}/token`, async ({ request }) => {
        otherTokenRequests.push(new URLSearchParams(await request.text()));
        return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      }),
    );
  });

  it("the other provider's instance leaves the callback as it is; the issuer's instance then signs in", async () => {
    const honest = setUp();
    const other = setUp({ issuer: OTHER });
    const { callback } = await signInAtProvider(honest.signIn);
    const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
    const stored = browser.sessionStorage.getItem(key);
    expect(await other.signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    expect(otherTokenRequests).toHaveLength(0);
    expect(oidc.tokenRequests).toHaveLength(0);
    expect(browser.href).toBe(callback);
    expect(browser.sessionStorage.getItem(key)).toBe(stored);
    expect(other.tokens.peekTokens()).toBeUndefined();
    expect(await honest.signIn.handleCallback()).toMatchObject({
      status: 'handled',
      tokens: { accessToken: 'at-2' },
      returnTo: '/orders?tab=open#top',
    });
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(otherTokenRequests).toHaveLength(0);
    expect(browser.href).toBe(REDIRECT_URI);
  });

  it("200 concurrent calls split across both instances: one token request, to the issuer, and each instance's own answer", async () => {
    const honest = setUp();
    const other = setUp({ issuer: OTHER });
    const { callback } = await signInAtProvider(honest.signIn);
    const calls = Array.from({ length: 200 }, (_, index) =>
      (index % 2 === 0 ? other : honest).signIn.handleCallback(callback),
    );
    const results = await Promise.all(calls);
    const byOther = results.filter((_, index) => index % 2 === 0);
    const byHonest = results.filter((_, index) => index % 2 === 1);
    expect(new Set(byOther.map((result) => JSON.stringify(result)))).toEqual(
      new Set([JSON.stringify({ status: 'not-a-callback', cleaned: false })]),
    );
    expect(new Set(byHonest).size).toBe(1);
    expect(byHonest[0]?.status).toBe('handled');
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(otherTokenRequests).toHaveLength(0);
    expect(other.tokens.peekTokens()).toBeUndefined();
  });

  it("a replay of the issuer's used callback is left to the issuer's instance too", async () => {
    const honest = setUp();
    const { callback } = await signInAtProvider(honest.signIn);
    expect((await honest.signIn.handleCallback()).status).toBe('handled');
    browser.visit(callback); // Back, or reload before the URL was cleaned
    createSignIn = await freshPage();
    const other = setUp({ issuer: OTHER });
    expect(await other.signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
    expect(browser.href).toBe(callback);
    expect(await setUp().signIn.handleCallback()).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'replayed' },
    });
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(otherTokenRequests).toHaveLength(0);
  });
});

describe('another client of the same issuer on one redirect path', () => {
  it.each<[string, Partial<SignInOptions>]>([
    ['another client_id', { clientId: 'admin' }],
    ['another redirect_uri (same path)', { redirectUri: `${REDIRECT_URI}?tenant=b` }],
  ])(
    "started with %s: this instance leaves the callback as it is, and the sign-in's own instance completes it",
    async (_, theirs) => {
      const owner = setUp(theirs);
      const mine = setUp();
      const { callback } = await signInAtProvider(owner.signIn);
      const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
      const stored = browser.sessionStorage.getItem(key);
      expect(await mine.signIn.handleCallback()).toEqual({ status: 'not-a-callback', cleaned: false });
      expect(oidc.tokenRequests).toHaveLength(0);
      expect(browser.href).toBe(callback);
      expect(browser.sessionStorage.getItem(key)).toBe(stored);
      const result = await owner.signIn.handleCallback();
      expect(result).toMatchObject({ status: 'handled', tokens: { accessToken: 'at-2' } });
      expect(Object.fromEntries(oidc.tokenRequests[0]?.form ?? [])).toMatchObject({
        client_id: theirs.clientId ?? CLIENT_ID,
        redirect_uri: theirs.redirectUri ?? REDIRECT_URI,
      });
      // Done in this page: the other instance still gets no share of that sign-in, tokens included.
      expect(await mine.signIn.handleCallback(callback)).toEqual({
        status: 'not-a-callback',
        cleaned: false,
      });
      expect(mine.tokens.peekTokens()).toBeUndefined();
      expect(oidc.tokenRequests).toHaveLength(1);
    },
  );

  it.each<[string, (other: ReturnType<typeof setUp>) => Promise<unknown>]>([
    ['clears its tokens', (other) => other.tokens.clear()],
    ['signs out', (other) => other.signIn.signOut()],
  ])(
    "the other client's session ends (it %s): this client's used callback URL still answers its own result, settled or in progress",
    async (_, end) => {
      let answer: () => void = () => {};
      const held = new Promise<void>((resolve) => (answer = resolve));
      const owner = setUp({
        clientId: 'admin',
        fetch: async (input, init) => {
          if (String(input).endsWith('/token')) await held;
          return fetch(input, init);
        },
      });
      const other = setUp();
      const { callback } = await signInAtProvider(owner.signIn);
      const first = owner.signIn.handleCallback(callback);
      await end(other); // while the exchange is in progress
      expect(owner.signIn.handleCallback(callback)).toBe(first);
      answer();
      const result = await first;
      expect(result).toMatchObject({ status: 'handled', tokens: { accessToken: 'at-2' } });
      await end(other); // once it settled
      expect(await owner.signIn.handleCallback(callback)).toBe(result);
      expect(owner.tokens.peekTokens()?.accessToken).toBe('at-2');
      expect(oidc.tokenRequests.map(({ form }) => form.get('client_id'))).toEqual(['admin']);
    },
  );

  it("a client id with spaces that begins like the other client's id and redirect URI shares none of its callbacks: no tokens handed across, its sign-out forgets none", async () => {
    // RFC 6749 allows a space in client_id (VSCHAR).
    const owner = setUp({ clientId: `${CLIENT_ID} ${REDIRECT_URI} admin` });
    const other = setUp();
    const { callback } = await signInAtProvider(owner.signIn);
    const result = await owner.signIn.handleCallback(callback);
    expect(result).toMatchObject({ status: 'handled', tokens: { accessToken: 'at-2' } });
    // A link whose state is the rest of the owner's key.
    const state = `admin ${REDIRECT_URI} ${new URL(callback).searchParams.get('state')}`;
    const crafted = `${REDIRECT_URI}?code=x&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(ISSUER)}`;
    const theirs = await other.signIn.handleCallback(crafted);
    expect(theirs).toMatchObject({ status: 'error', error: { code: 'STALE_CALLBACK' } });
    expect(JSON.stringify(theirs)).not.toMatch(/at-2|rt-2/);
    await other.signIn.signOut({ navigate: false });
    expect(await owner.signIn.handleCallback(callback)).toBe(result);
    expect(owner.tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('200 concurrent calls split across both clients: one token request, by the client that started it', async () => {
    const owner = setUp({ clientId: 'admin' });
    const mine = setUp();
    const { callback } = await signInAtProvider(owner.signIn);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => (index % 2 ? owner : mine).signIn.handleCallback(callback)),
    );
    expect(new Set(results.filter((_, index) => index % 2 === 0).map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify({ status: 'not-a-callback', cleaned: false })]),
    );
    expect(new Set(results.filter((_, index) => index % 2 === 1)).size).toBe(1);
    expect(results[1]?.status).toBe('handled');
    expect(oidc.tokenRequests.map(({ form }) => form.get('client_id'))).toEqual(['admin']);
    expect(mine.tokens.peekTokens()).toBeUndefined();
  });

  it('a transaction stored by an older version (no client recorded) is still completed', async () => {
    const { signIn } = setUp();
    const { callback } = await signInAtProvider(signIn);
    const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
    const { client: _, ...older } = JSON.parse(browser.sessionStorage.getItem(key) ?? '{}');
    browser.sessionStorage.setItem(key, JSON.stringify(older));
    expect((await signIn.handleCallback()).status).toBe('handled');
  });
});

describe('ID token', () => {
  it.each([
    ['nonce', { nonce: 'another-nonce' }],
    ['aud', { aud: 'another-client' }],
    ['azp', { aud: [CLIENT_ID, 'api'], azp: 'api' }],
    ['iss', { iss: 'https://evil.example.test' }],
    ['exp', { exp: Math.floor(1_700_000_000_000 / 1000) - 61 }],
  ])('a wrong %s rejects the sign-in and stores no tokens', async (check, claims) => {
    oidc.idTokenClaims = claims;
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { name: 'IdTokenError' } });
    expect(result).toMatchObject({ error: { check } });
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('a code exchange for openid without an ID token is a MalformedResponseError (missing_id_token); no tokens stored', async () => {
    oidc.codeIdToken = false;
    const { signIn, tokens } = setUp();
    const events: string[] = [];
    tokens.subscribe((event) => void events.push(event.type));
    await signInAtProvider(signIn);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'MalformedResponseError', code: 'MALFORMED_RESPONSE', reason: 'missing_id_token' },
    });
    expect(result.status === 'error' && isTesseraError(result.error, 'MALFORMED_RESPONSE')).toBe(true);
    expect(result.status === 'error' && result.error.message).toContain(`POST ${ISSUER}/token`);
    expect(JSON.stringify(result)).not.toMatch(/at-|rt-/);
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(signIn.claims()).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('without a token manager too, a code exchange for openid without an ID token hands back no tokens', async () => {
    oidc.codeIdToken = false;
    const { signIn } = setUp({ tokens: undefined } as never);
    await signInAtProvider(signIn);
    const result = await signIn.handleCallback();
    expect(result).toMatchObject({ status: 'error', error: { reason: 'missing_id_token' } });
    expect(signIn.claims()).toBeUndefined();
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it('without openid, a code exchange without an ID token signs in (there is no nonce to check)', async () => {
    oidc.codeIdToken = false;
    const { signIn, tokens } = setUp({ scope: 'api:read offline_access' });
    await signInAtProvider(signIn);
    expect(await signIn.handleCallback()).toMatchObject({
      status: 'handled',
      tokens: { accessToken: 'at-2' },
      claims: undefined,
    });
    expect(tokens.peekTokens()?.idToken).toBeUndefined();
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it.each([123, {}, true])(
    'an id_token of %j without openid counts as absent (decision 0013): the sign-in completes; with openid it is still refused (decision 1102)',
    async (idToken) => {
      const answer = () =>
        http.post(
          `${ISSUER}/token`,
          () => HttpResponse.json({ access_token: 'at-x', refresh_token: 'rt-x', id_token: idToken }),
          {
            once: true,
          },
        );
      const plain = setUp({ scope: 'api:read offline_access' });
      await signInAtProvider(plain.signIn);
      msw.use(answer());
      expect(await plain.signIn.handleCallback()).toMatchObject({
        status: 'handled',
        tokens: { accessToken: 'at-x', refreshToken: 'rt-x', idToken: undefined },
        claims: undefined,
      });
      const oidcSignIn = setUp();
      await signInAtProvider(oidcSignIn.signIn);
      msw.use(answer());
      const refused = await oidcSignIn.signIn.handleCallback();
      expect(refused.status === 'error' && refused.error).toMatchObject({
        name: 'IdTokenError',
        check: 'format',
      });
      expect(oidcSignIn.tokens.peekTokens()).toBeUndefined();
    },
  );

  it('accepts several audiences with azp = this client, and exp within the clock tolerance', async () => {
    oidc.idTokenClaims = { aud: [CLIENT_ID, 'api'], azp: CLIENT_ID, exp: Math.floor(now / 1000) - 30 };
    const { signIn } = setUp();
    await signInAtProvider(signIn);
    expect((await signIn.handleCallback()).status).toBe('handled');
  });

  it.each([
    ['another nonce', () => ({ nonce: 'nonce-of-another-sign-in' }), 'nonce'],
    ['no nonce', () => ({ nonce: undefined }), 'nonce'],
    ['an exp beyond the clock tolerance', () => ({ exp: Math.floor(now / 1000) - 61 }), 'exp'],
    ['an aud without this client', () => ({ aud: 'another-client' }), 'aud'],
    ['an extra audience and no azp', () => ({ aud: [CLIENT_ID, 'api'] }), 'azp'],
    [
      'an extra audience and the azp of another client',
      () => ({ aud: [CLIENT_ID, 'api'], azp: 'api' }),
      'azp',
    ],
    ['another issuer', () => ({ iss: 'https://evil.example.test' }), 'iss'],
  ])(
    'a code exchange whose ID token has %s is an IdTokenError: one token request, nothing stored, what it brought revoked',
    async (_, claims, check) => {
      oidc.idTokenClaims = claims();
      const { signIn, tokens } = setUp();
      await signInAtProvider(signIn);
      const result = await signIn.handleCallback();
      expect(result).toMatchObject({
        status: 'error',
        error: { name: 'IdTokenError', code: 'INVALID_ID_TOKEN', check },
      });
      expect(JSON.stringify(result)).not.toMatch(/rt-|at-|eyJ/);
      expect(tokens.peekTokens()).toBeUndefined();
      expect(await tokens.ready()).toBeFalsy();
      expect(oidc.tokenRequests).toHaveLength(1);
      expect(oidc.revocations.map((form) => form.get('token'))).toEqual(['rt-2', 'at-2']);
    },
  );

  it('on refresh, a new ID token with the original nonce is accepted; another sub or nonce is not', async () => {
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    await signIn.handleCallback();
    oidc.refreshIdToken = 'original-nonce';
    await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
    oidc.idTokenClaims = { sub: 'mallory' };
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ check: 'sub' });
    oidc.idTokenClaims = { nonce: 'another-nonce' };
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ check: 'nonce' });
  });

  it('on refresh, an ID token naming another sub (OpenID Connect Core §12.2) is an IdTokenError and nothing of it is adopted', async () => {
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    await signIn.handleCallback();
    const before = tokens.peekTokens();
    oidc.refreshIdToken = 'no-nonce';
    oidc.idTokenClaims = { sub: 'mallory' };
    const refused = await tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'IdTokenError', code: 'INVALID_ID_TOKEN', check: 'sub' });
    expect(JSON.stringify(refused)).not.toMatch(/rt-|at-|eyJ|mallory/);
    expect(tokens.peekTokens()).toBe(before);
    expect(signIn.claims()?.sub).toBe('alice');
    expect(oidc.tokenRequests.map(({ form }) => form.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    // The refused answer's refresh token is nobody's: sign-out revokes it with the session's own.
    await signIn.signOut();
    expect(oidc.revocations.map((form) => form.get('token')).sort()).toEqual(['rt-2', 'rt-3']);
  });

  it('on refresh, a new ID token without the nonce (as oidc-provider sends it) is accepted and stored', async () => {
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    await signIn.handleCallback();
    const original = tokens.peekTokens()?.idToken;
    oidc.refreshIdToken = 'no-nonce';
    now += 60_000;
    await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
    expect(tokens.peekTokens()?.idToken).not.toBe(original);
    expect(signIn.claims()).toMatchObject({ sub: 'alice', iat: Math.floor(now / 1000) });
    expect(signIn.claims()).not.toHaveProperty('nonce');
  });

  it('an ID token whose iat is far ahead of the clock (a provider clock ahead) signs in; expiry stays expires_in', async () => {
    oidc.idTokenClaims = { iat: Math.floor(now / 1000) + 365 * 86_400 };
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    expect((await signIn.handleCallback()).status).toBe('handled');
    expect(tokens.peekTokens()?.expiresAt).toBe(now + 300_000);
  });

  describe('without the tokens option (the app gives the callback tokens to its manager itself)', () => {
    /** Signs in with an instance that has no `tokens`; the app stores `result.tokens` in `tokens`. */
    async function signInWithoutTokensOption() {
      const { signIn, tokens } = setUp({ tokens: undefined } as never);
      await signInAtProvider(signIn);
      const result = await signIn.handleCallback();
      if (result.status !== 'handled') throw new Error(`not signed in: ${result.status}`);
      await tokens.setTokens(result.tokens);
      return { signIn, tokens };
    }

    it('signOut() revokes the refresh token this instance handed out and sends its ID token as id_token_hint', async () => {
      const { signIn, tokens } = await signInWithoutTokensOption();
      const { refreshToken, idToken } = tokens.peekTokens() ?? {};
      const result = await signIn.signOut();
      expect(oidc.revocations.map((form) => Object.fromEntries(form))).toEqual([
        { token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID },
      ]);
      expect(result.revoked).toBe(true);
      expect(result.logoutUrl?.searchParams.get('id_token_hint')).toBe(idToken);
      // Forgotten: a second sign-out has nothing of it to revoke.
      await signIn.signOut();
      expect(oidc.revocations).toHaveLength(1);
    });

    it('a refreshed ID token naming another sub than the callback one is an IdTokenError; nothing of it is adopted', async () => {
      const { tokens } = await signInWithoutTokensOption();
      const before = tokens.peekTokens();
      oidc.refreshIdToken = 'no-nonce';
      oidc.idTokenClaims = { sub: 'mallory' };
      const refused = await tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'IdTokenError', code: 'INVALID_ID_TOKEN', check: 'sub' });
      expect(tokens.peekTokens()).toBe(before);
      expect(oidc.tokenRequests).toHaveLength(2);
    });

    it('the check follows the rotated refresh token: the second refresh is checked too', async () => {
      const { tokens } = await signInWithoutTokensOption();
      oidc.refreshIdToken = 'no-nonce';
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
      expect(tokens.peekTokens()?.refreshToken).toBe('rt-3');
      oidc.idTokenClaims = { sub: 'mallory' };
      await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ check: 'sub' });
      expect(oidc.tokenRequests).toHaveLength(3);
    });

    it('after a callback without an ID token, an id_token of another type on refresh is forgotten: the next one is checked as the first', async () => {
      oidc.codeIdToken = false;
      const { signIn, tokens } = setUp({ tokens: undefined, scope: 'offline_access' } as never);
      await signInAtProvider(signIn);
      const result = await signIn.handleCallback();
      if (result.status !== 'handled') throw new Error(`not signed in: ${result.status}`);
      await tokens.setTokens(result.tokens);
      msw.use(
        http.post(
          `${ISSUER}/token`,
          async ({ request }) => {
            oidc.tokenRequests.push({ form: new URLSearchParams(await request.text()), pageHref: '' });
            return HttpResponse.json({ access_token: 'at-x', refresh_token: 'rt-x', id_token: 123 });
          },
          { once: true },
        ),
      );
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-x');
      expect(tokens.peekTokens()?.idToken).toBeUndefined();
      oidc.refreshIdToken = 'no-nonce';
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
      expect(tokens.peekTokens()?.idToken).toEqual(expect.any(String));
      expect(oidc.tokenRequests.map(({ form }) => form.get('refresh_token'))).toEqual([null, 'rt-2', 'rt-x']);
    });

    it('a refresh without an ID token keeps the callback one (claims and logout hint stay)', async () => {
      const { tokens } = await signInWithoutTokensOption();
      const idToken = tokens.peekTokens()?.idToken;
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
      expect(tokens.peekTokens()?.idToken).toBe(idToken);
    });

    it.each([123, {}, false, ''])(
      'a refresh_token of %j in a refresh answer counts as absent (decision 0013): the next refresh is checked, and signOut() revokes the one the manager kept',
      async (refreshToken) => {
        const { signIn, tokens } = await signInWithoutTokensOption();
        msw.use(
          http.post(
            `${ISSUER}/token`,
            async ({ request }) => {
              oidc.tokenRequests.push({ form: new URLSearchParams(await request.text()), pageHref: '' });
              return HttpResponse.json({ access_token: 'at-x', refresh_token: refreshToken });
            },
            { once: true },
          ),
        );
        await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-x');
        expect(tokens.peekTokens()?.refreshToken).toBe('rt-2');
        oidc.refreshIdToken = 'no-nonce';
        oidc.idTokenClaims = { sub: 'mallory' };
        await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ check: 'sub' });
        await expect(signIn.signOut()).resolves.toMatchObject({ revoked: true, warnings: [] });
        // rt-3 came with the refused refresh: nobody holds it.
        expect(oidc.revocations.map((form) => form.get('token'))).toEqual(['rt-3', 'rt-2']);
      },
    );

    it.each([123, {}])(
      'a refresh_token of %j in the code answer is no refresh token: signOut() sends nothing and reports no failure',
      async (refreshToken) => {
        const { signIn } = setUp({ tokens: undefined, scope: 'offline_access' } as never);
        await signInAtProvider(signIn);
        msw.use(
          http.post(
            `${ISSUER}/token`,
            () => HttpResponse.json({ access_token: 'at-x', refresh_token: refreshToken }),
            {
              once: true,
            },
          ),
        );
        const result = await signIn.handleCallback();
        expect(result).toMatchObject({ status: 'handled', tokens: { refreshToken: undefined } });
        await expect(signIn.signOut()).resolves.toMatchObject({ revoked: false, warnings: [] });
        expect(oidc.revocations).toEqual([]);
      },
    );

    it('a session this instance did not sign in is not checked against its callback (refresh token of another sign-in)', async () => {
      const { tokens } = await signInWithoutTokensOption();
      await tokens.setTokens({
        access_token: 'at-elsewhere',
        token_type: 'Bearer',
        expires_in: 300,
        refresh_token: 'rt-elsewhere',
      });
      oidc.refreshIdToken = 'no-nonce';
      oidc.idTokenClaims = { sub: 'bob' };
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-3');
      expect(tokens.peekTokens()?.refreshToken).toBe('rt-3');
    });
  });

  it.each([123, {}, true])(
    'on refresh, an id_token of %j counts as absent: the original and the rotated refresh token are kept',
    async (idToken) => {
      const { signIn, tokens } = setUp();
      await signInAtProvider(signIn);
      await signIn.handleCallback();
      const original = tokens.peekTokens()?.idToken;
      msw.use(
        http.post(`${ISSUER}/token`, async ({ request }) => {
          const form = new URLSearchParams(await request.text());
          oidc.tokenRequests.push({ form, pageHref: '' });
          const n = oidc.tokenRequests.length;
          return HttpResponse.json({
            access_token: `at-x${n}`,
            refresh_token: `rt-x${n}`,
            id_token: idToken,
          });
        }),
      );
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-x2');
      expect(tokens.peekTokens()).toMatchObject({ refreshToken: 'rt-x2', idToken: original });
      expect(signIn.claims()?.sub).toBe('alice');
      await expect(tokens.getAccessToken({ forceRefresh: true })).resolves.toBe('at-x3');
      expect(oidc.tokenRequests.map(({ form }) => form.get('refresh_token'))).toEqual([
        null,
        'rt-2',
        'rt-x2',
      ]);
    },
  );

  it('a refresh without an ID token keeps the original one (claims and logout hint stay)', async () => {
    const { signIn, tokens } = setUp();
    await signInAtProvider(signIn);
    await signIn.handleCallback();
    const idToken = tokens.peekTokens()?.idToken;
    await tokens.getAccessToken({ forceRefresh: true });
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-3');
    expect(tokens.peekTokens()?.idToken).toBe(idToken);
    expect(signIn.claims()?.sub).toBe('alice');
  });
});

describe('errors', () => {
  it('are Tessera errors recognised by code across package copies', async () => {
    const { signIn } = setUp();
    await signInAtProvider(signIn, { iss: 'https://evil.example.test' });
    const result = await signIn.handleCallback();
    expect(result.status === 'error' && isTesseraError(result.error, 'ISSUER_MISMATCH')).toBe(true);
  });
});

describe('signOut', () => {
  async function signedIn(options: Partial<SignInOptions> = {}) {
    const setup = setUp(options);
    await signInAtProvider(setup.signIn);
    await setup.signIn.handleCallback();
    return setup;
  }

  it('revokes the refresh token, clears the session and goes to the logout URL with id_token_hint', async () => {
    const { signIn, tokens, navigations } = await signedIn();
    const idToken = tokens.peekTokens()?.idToken ?? '';
    const result = await signIn.signOut();
    expect(oidc.revocations.map((form) => Object.fromEntries(form))).toEqual([
      { token: 'rt-2', token_type_hint: 'refresh_token', client_id: CLIENT_ID },
    ]);
    expect(result).toEqual({ revoked: true, warnings: [], logoutUrl: expect.any(URL) });
    expect(Object.fromEntries(result.logoutUrl?.searchParams ?? [])).toEqual({
      id_token_hint: idToken,
      client_id: CLIENT_ID,
      post_logout_redirect_uri: 'https://app.example.test/signed-out',
    });
    expect(`${result.logoutUrl?.origin}${result.logoutUrl?.pathname}`).toBe(`${ISSUER}/logout`);
    expect(result.logoutUrl?.searchParams.has('redirect_uri')).toBe(false);
    expect(navigations.at(-1)).toBe(result.logoutUrl?.href);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(signIn.claims()).toBeUndefined();
  });

  it('a refresh in flight answering refresh_token: {} adds nothing to revoke and no warning (decision 0013)', async () => {
    const { signIn, tokens } = await signedIn();
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    let arrived: () => void = () => {};
    const arriving = new Promise<void>((resolve) => (arrived = resolve));
    msw.use(
      http.post(
        `${ISSUER}/token`,
        async () => {
          arrived();
          await held;
          return HttpResponse.json({ access_token: 'at-x', refresh_token: {} });
        },
        { once: true },
      ),
    );
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await arriving;
    const signingOut = signIn.signOut({ navigate: false });
    answer();
    expect(await signingOut).toEqual({ revoked: true, warnings: [], logoutUrl: expect.any(URL) });
    expect(oidc.revocations.map((form) => form.get('token'))).toEqual(['rt-2']);
    expect(isTesseraError(await refresh, 'LOGIN_REQUIRED')).toBe(true);
  });

  it('200 concurrent signOut() calls (a double click) revoke once and navigate once', async () => {
    const { signIn, navigations } = await signedIn();
    const before = navigations.length;
    const calls = Array.from({ length: 200 }, () => signIn.signOut());
    expect(new Set(calls).size).toBe(1);
    const results = await Promise.all(calls);
    expect(oidc.revocations).toHaveLength(1);
    expect(navigations).toHaveLength(before + 1);
    expect(results[0]).toMatchObject({ revoked: true, warnings: [] });
    await signIn.signOut({ navigate: false }); // a later sign-out runs again
    expect(oidc.revocations).toHaveLength(1); // nothing left to revoke
  });

  it('a sign-out while the code is being exchanged wins: the tokens it brought are revoked, never stored', async () => {
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    let exchanging: () => void = () => {};
    const exchangeSent = new Promise<void>((resolve) => (exchanging = resolve));
    const { signIn, tokens, navigations } = setUp({
      fetch: async (input, init) => {
        if (String(input).endsWith('/token')) {
          exchanging();
          await held;
        }
        return fetch(input, init);
      },
    });
    await signInAtProvider(signIn);
    const callback = signIn.handleCallback();
    await exchangeSent;
    const signedOut = await signIn.signOut();
    answer();
    const result = await callback;
    expect(result).toMatchObject({ status: 'error', error: { code: 'LOGIN_REQUIRED' } });
    expect(JSON.stringify(result)).not.toMatch(/rt-|at-/);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(await tokens.ready()).toBeFalsy();
    expect(signedOut.logoutUrl).toBeDefined();
    expect(navigations.filter((url) => url.startsWith(`${ISSUER}/logout`))).toHaveLength(1);
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(oidc.revocations.map((form) => form.get('token'))).toEqual(['rt-2', 'at-2']);
  });

  it('a sign-out through a second instance over the same manager (StrictMode, HMR) wins over the callback of the first', async () => {
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    let exchanging: () => void = () => {};
    const exchangeSent = new Promise<void>((resolve) => (exchanging = resolve));
    const { signIn, tokens } = setUp({
      fetch: async (input, init) => {
        if (String(input).endsWith('/token')) {
          exchanging();
          await held;
        }
        return fetch(input, init);
      },
    });
    const second = createSignIn({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      tokens,
      clock,
      navigate: () => {},
      fetch: (input, init) => fetch(input, init),
    });
    await signInAtProvider(signIn);
    const callback = signIn.handleCallback();
    await exchangeSent;
    await second.signOut({ navigate: false });
    answer();
    const result = await callback;
    expect(result).toMatchObject({ status: 'error', error: { code: 'LOGIN_REQUIRED' } });
    expect(tokens.peekTokens()).toBeUndefined();
    expect(await tokens.ready()).toBeFalsy();
    expect(oidc.tokenRequests).toHaveLength(1);
    expect(oidc.revocations.map((form) => form.get('token'))).toEqual(['rt-2', 'at-2']);
  });

  it('after signOut, the used callback URL is a replay, not the old session with its tokens', async () => {
    const { signIn, tokens } = setUp();
    const { callback } = await signInAtProvider(signIn);
    expect((await signIn.handleCallback()).status).toBe('handled');
    await signIn.signOut({ navigate: false });
    const again = await signIn.handleCallback(callback);
    expect(again).toMatchObject({ status: 'error', error: { code: 'STALE_CALLBACK', reason: 'replayed' } });
    expect(JSON.stringify(again)).not.toContain('rt-2');
    expect(tokens.peekTokens()).toBeUndefined();
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it.each([
    ['the app clears the tokens', (tokens: TokenManager) => tokens.clear()],
    [
      'a refresh is refused (session_expired)',
      async (tokens: TokenManager) => {
        msw.use(
          http.post(`${ISSUER}/token`, () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 }), {
            once: true,
          }),
        );
        await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
          code: 'OAUTH_ERROR',
          error: 'invalid_grant',
        });
      },
    ],
  ])(
    'after the session ended in this tab without signOut() (%s), the used callback URL is a replay, not the old session with its tokens',
    async (_, end) => {
      const { signIn, tokens } = setUp();
      const { callback } = await signInAtProvider(signIn);
      const first = await signIn.handleCallback();
      expect(first.status).toBe('handled');
      await end(tokens);
      expect(tokens.peekTokens()).toBeUndefined();
      const requests = oidc.tokenRequests.length;
      const again = await signIn.handleCallback(callback);
      expect(again).toMatchObject({ status: 'error', error: { code: 'STALE_CALLBACK', reason: 'replayed' } });
      expect(JSON.stringify(again)).not.toMatch(/rt-2|at-2/);
      expect(signIn.claims()).toBeUndefined();
      expect(tokens.peekTokens()).toBeUndefined();
      expect(oidc.tokenRequests).toHaveLength(requests);
    },
  );

  it.each([
    [
      'the app sets one with setTokens()',
      async (tokens: TokenManager) => {
        await tokens.setTokens({ access_token: 'at-new', refresh_token: 'rt-new', expires_in: 300 });
      },
    ],
    [
      'a second sign-in completes in the page',
      async (_tokens: TokenManager, signIn: SignIn) => {
        await signInAtProvider(signIn);
        expect(await signIn.handleCallback()).toMatchObject({ status: 'handled' });
      },
    ],
  ])(
    'after a new session replaced the signed-in one without a cleared event (%s), the used callback URL is a replay, not the old session with its tokens',
    async (_, replace) => {
      const { signIn, tokens } = setUp();
      const { callback } = await signInAtProvider(signIn);
      expect(await signIn.handleCallback()).toMatchObject({
        status: 'handled',
        tokens: { accessToken: 'at-2' },
      });
      await replace(tokens, signIn);
      const current = tokens.peekTokens();
      expect(current?.accessToken).not.toBe('at-2');
      const requests = oidc.tokenRequests.length;
      const again = await signIn.handleCallback(callback);
      expect(again).toEqual({ status: 'not-a-callback', cleaned: true });
      expect(tokens.peekTokens()).toBe(current);
      expect(oidc.tokenRequests).toHaveLength(requests);
    },
  );

  it("a session ended in this tab while a callback is in progress: StrictMode's second call for that URL still shares its result", async () => {
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    let exchanging: () => void = () => {};
    const exchangeSent = new Promise<void>((resolve) => (exchanging = resolve));
    const { signIn, tokens } = setUp({
      fetch: async (input, init) => {
        if (String(input).endsWith('/token')) {
          exchanging();
          await held;
        }
        return fetch(input, init);
      },
    });
    await tokens.setTokens({ access_token: 'at-old', refresh_token: 'rt-old', expires_in: 300 });
    const { callback } = await signInAtProvider(signIn);
    const first = signIn.handleCallback(callback);
    await exchangeSent;
    await tokens.clear(); // the old session, e.g. the app's "switch account"
    const second = signIn.handleCallback(callback);
    answer();
    const results = await Promise.all([first, second]);
    expect(results[1]).toBe(results[0]);
    expect(results[0]).toMatchObject({ status: 'handled', tokens: { accessToken: 'at-2' } });
    expect(tokens.peekTokens()?.accessToken).toBe('at-2');
    expect(oidc.tokenRequests).toHaveLength(1);
  });

  it.each([
    [
      'a 400 unsupported_token_type',
      () => HttpResponse.json({ error: 'unsupported_token_type' }, { status: 400 }),
      'OAUTH_ERROR',
    ],
    ['a network error', () => HttpResponse.error(), 'NETWORK_ERROR'],
    ['an HTTP 503 page', () => new HttpResponse('<html>down</html>', { status: 503 }), 'HTTP_ERROR'],
  ])('%s still ends signed out, with a typed warning', async (_, answer, code) => {
    const { signIn, tokens, navigations } = await signedIn();
    oidc.revocationAnswer = answer as () => Response;
    const result = await signIn.signOut();
    expect(result.revoked).toBe(false);
    expect(result.warnings.map((warning) => warning.code)).toEqual([code]);
    expect(JSON.stringify(result.warnings)).not.toContain('rt-2');
    expect(tokens.peekTokens()).toBeUndefined();
    // The logout redirect still happens: a failed revocation never skips it.
    expect(result.logoutUrl?.href).toMatch(`${ISSUER}/logout?`);
    expect(navigations.at(-1)).toBe(result.logoutUrl?.href);
  });

  it('honours revoke: false, endSession: false and navigate: false', async () => {
    const { signIn, tokens, navigations } = await signedIn();
    const before = navigations.length;
    expect(await signIn.signOut({ revoke: false, endSession: false })).toEqual({
      revoked: false,
      warnings: [],
      logoutUrl: undefined,
    });
    expect(oidc.revocations).toHaveLength(0);
    expect(tokens.peekTokens()).toBeUndefined();
    await tokens.setTokens({ access_token: 'at-x', refresh_token: 'rt-x' });
    const result = await signIn.signOut({ navigate: false });
    expect(result.logoutUrl).toBeInstanceOf(URL);
    expect(navigations).toHaveLength(before);
  });

  it('without an ID token the logout URL still has client_id; without revocation_endpoint nothing is revoked', async () => {
    delete oidc.metadata.revocation_endpoint;
    const { signIn, tokens } = setUp({ postLogoutRedirectUri: undefined as never });
    await tokens.setTokens({ access_token: 'at-x', refresh_token: 'rt-x' });
    const result = await signIn.signOut({ navigate: false });
    expect(result.logoutUrl?.href).toBe(`${ISSUER}/logout?client_id=${CLIENT_ID}`);
    expect(result.revoked).toBe(false);
    expect(oidc.revocations).toHaveLength(0);
  });

  it('when discovery fails it still clears the session and reports the failure', async () => {
    const { tokens } = setUp();
    await tokens.setTokens({ access_token: 'at-x', refresh_token: 'rt-x' });
    msw.use(http.get(`${ISSUER}/.well-known/openid-configuration`, () => HttpResponse.error()));
    const { signIn } = setUp({ tokens });
    const result = await signIn.signOut();
    expect(result.warnings.map((warning) => warning.code)).toEqual(['NETWORK_ERROR']);
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('signs out every tab: another tab then fails without a network call', async () => {
    const channels = trackedChannels();
    const area = fakeStorageArea();
    const tab = () =>
      new TokenManager({
        fetchTokens: (context) => signIn.fetchTokens(context),
        storage: webStorage(area),
        crossTab: crossTab({
          name: 'sign-out-test',
          locks: fakeLockManager().locks,
          BroadcastChannel: channels.BroadcastChannel,
        }),
        clock,
        retry: false,
      });
    const [a, b] = [tab(), tab()];
    const { signIn } = setUp({ tokens: a });
    await signInAtProvider(signIn);
    await signIn.handleCallback();
    expect(await b.getAccessToken()).toBe('at-2');
    await signIn.signOut({ navigate: false });
    await vi.waitFor(() => expect(b.peekTokens()).toBeUndefined());
    const requests = oidc.tokenRequests.length;
    await expect(b.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' });
    expect(oidc.tokenRequests).toHaveLength(requests);
    a.dispose();
    b.dispose();
    channels.closeAll();
  });
});
