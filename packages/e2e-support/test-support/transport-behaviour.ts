import { inspect } from 'node:util';
import { type FetchTokens, TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * One behavioural suite for every transport (`@tessera/axios`, `@tessera/fetch`, ky hooks): the
 * same user-visible rules, asserted with the same exact counts. Each transport provides a client
 * factory over an in-memory API (`respond`), so the suite never depends on how it is wired.
 */

export const API = 'https://api.example.com';

/** One request the fake API received. */
export interface ApiCall {
  method: string;
  url: string;
  authorization: string | null;
  body: string;
}

export interface ApiAnswer {
  status: number;
  headers?: Record<string, string>;
}

export type Respond = (call: ApiCall) => ApiAnswer | Promise<ApiAnswer>;

/** What the suite asks of a transport: send, and report the HTTP status (or `'aborted'`). */
export interface BehaviourClient {
  get(url: string, options?: { signal?: AbortSignal; skipAuth?: boolean }): Promise<number | 'aborted'>;
  /** POSTs a one-shot stream (Node `Readable` or web `ReadableStream`) made of `chunks`. */
  postStream(url: string, chunks: string[]): Promise<number | 'aborted'>;
}

/**
 * Builds a client with `API` as its base, attached to `tokens`, whose requests are answered by
 * `respond` and recorded, in order of arrival, with absolute URLs, in `calls`. With `page: true`,
 * a client configured with no base and no origins (the defaults in a page): relative URLs resolve
 * against the page's base URL (`document.baseURI`), as the browser resolves them.
 */
export type MakeClient = (
  tokens: TokenManager,
  respond: Respond,
  calls: ApiCall[],
  setup?: { page?: boolean },
) => BehaviourClient;

/** What a transport does beyond the rules every one of them keeps. */
export interface BehaviourOptions {
  /**
   * Tessera follows the client's redirect hops itself (`followRedirects`: `withTokens` and axios's
   * fetch adapter in Node), not the runtime: it must end them as fetch does. The client's `get`
   * rejects with the transport's own error for a request that fails without a response.
   * @default false
   */
  followsRedirects?: boolean;
  /**
   * The client can be built as in a page (`page: true`) and run in Node with `document` and
   * `location` stubbed: not axios's fetch adapter, which builds its `Request` from the relative URL
   * itself (a real browser's `Request` resolves it; Node's cannot).
   * @default true
   */
  inPage?: boolean;
}

/**
 * A `fetch` over the in-memory API: records each request in `calls` and answers with `respond`,
 * following nothing (as a fetch asked for `redirect: 'manual'`).
 */
export function apiFetch(respond: Respond, calls: ApiCall[]): typeof fetch {
  return async (input, init) => {
    // As a page's fetch resolves a relative URL: against its base URL.
    const absolute = typeof input === 'string' ? new URL(input, globalThis.document?.baseURI) : input;
    const request = new Request(absolute, init);
    const call: ApiCall = {
      method: request.method,
      url: request.url,
      authorization: request.headers.get('authorization'),
      body: request.body ? await request.text() : '',
    };
    calls.push(call);
    const answer = await respond(call);
    return new Response(null, { status: answer.status, headers: answer.headers ?? {} });
  };
}

const rejectedAnswer: ApiAnswer = {
  status: 401,
  headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
};

/** Accepts only `Bearer <valid()>`. */
export const acceptsOnly =
  (valid: () => string): Respond =>
  (call) =>
    call.authorization === `Bearer ${valid()}` ? { status: 200 } : rejectedAnswer;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** The messages of `error` and of its `cause`, and whether it shows `secret` when logged or serialised. */
function failure(error: unknown, secret: string): { says: string; showsSecret: boolean } {
  const { message, cause } = error as { message?: unknown; cause?: { message?: unknown } };
  const shown = `${JSON.stringify(error)} ${inspect(error, { depth: 8, showHidden: true })}`;
  return { says: `${message} / ${cause?.message}`, showsSecret: shown.includes(secret) };
}

export function describeTransportBehaviour(
  name: string,
  makeClient: MakeClient,
  options: BehaviourOptions = {},
): void {
  const managers: TokenManager[] = [];
  let now = 1_700_000_000_000;

  /** A manager holding `at-0` (300 s); token requests answer `at-1`, `at-2`…, held until `gate`. */
  async function setup(
    respond: Respond = () => ({ status: 200 }),
    gate?: Promise<unknown>,
    clientSetup?: { page?: boolean },
  ) {
    let issued = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => {
      issued += 1;
      const n = issued;
      await gate;
      return { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 300, refresh_token: 'rt' };
    });
    const tokens = new TokenManager({ fetchTokens, retry: false, clock: () => now });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 300, refresh_token: 'rt' });
    const calls: ApiCall[] = [];
    const client = makeClient(tokens, respond, calls, clientSetup);
    return { tokens, fetchTokens, calls, client };
  }

  describe(`${name}: shared transport behaviour`, () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      for (const tokens of managers.splice(0)) tokens.dispose();
      now = 1_700_000_000_000;
    });

    it('sends the token to the API origin only, never to another or a look-alike origin', async () => {
      const { client, calls } = await setup();
      await client.get('/orders');
      await client.get('https://evil.test/orders');
      await client.get('https://api.example.com.evil.test/orders');
      await client.get(`https://evil.test/?next=${API}/orders`);
      expect(calls.map((call) => [new URL(call.url).origin, call.authorization])).toEqual([
        [API, 'Bearer at-0'],
        ['https://evil.test', null],
        ['https://api.example.com.evil.test', null],
        ['https://evil.test', null],
      ]);
    });

    it.skipIf(options.inPage === false)(
      'in a page, takes the default origin from location, never from a <base> element that points elsewhere',
      async () => {
        vi.stubGlobal('location', { href: `${API}/shop/`, origin: API });
        // An injected <base href="https://evil.test/"> (HTML injection, no script needed): relative
        // URLs now resolve there, in the browser as here; the page is still on the API origin.
        vi.stubGlobal('document', { baseURI: 'https://evil.test/' });
        const { client, calls } = await setup(undefined, undefined, { page: true });
        await client.get('/orders');
        await client.get(`${API}/orders`);
        vi.stubGlobal('document', { baseURI: `${API}/app/` }); // the app's own <base href="/app/">
        await client.get('cart');
        expect(calls.map((call) => [call.url, call.authorization])).toEqual([
          ['https://evil.test/orders', null],
          [`${API}/orders`, 'Bearer at-0'],
          [`${API}/app/cart`, 'Bearer at-0'],
        ]);
      },
    );

    it('sends one token request for 300 concurrent calls with an expired token, and none with it', async () => {
      const gate = deferred();
      const { client, calls, fetchTokens } = await setup(undefined, gate.promise);
      now += 301_000;
      const pending = Array.from({ length: 300 }, (_, i) => client.get(`/orders/${i}`));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(calls).toHaveLength(0);
      gate.resolve();
      const statuses = await Promise.all(pending);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(calls.filter((call) => call.authorization === 'Bearer at-1')).toHaveLength(300);
      expect(calls).toHaveLength(300);
    });

    it('answers 300 concurrent 401s with one refresh and one replay each', async () => {
      const { client, calls, fetchTokens } = await setup(acceptsOnly(() => 'at-1'));
      const statuses = await Promise.all(Array.from({ length: 300 }, (_, i) => client.get(`/orders/${i}`)));
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(calls.filter((call) => call.authorization === 'Bearer at-0')).toHaveLength(300);
      expect(calls.filter((call) => call.authorization === 'Bearer at-1')).toHaveLength(300);
    });

    it('replays a late 401 (for a token already replaced) with the current token, without a second refresh', async () => {
      const held = deferred();
      const { client, calls, fetchTokens } = await setup(async (call) => {
        if (call.url.endsWith('/slow') && call.authorization === 'Bearer at-0') await held.promise;
        return acceptsOnly(() => 'at-1')(call);
      });
      const slow = client.get('/slow');
      expect(await client.get('/fast')).toBe(200);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      held.resolve();
      expect(await slow).toBe(200);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(calls.filter((call) => call.url.endsWith('/slow')).map((call) => call.authorization)).toEqual([
        'Bearer at-0',
        'Bearer at-1',
      ]);
    });

    it('returns the replay’s 401 when the replay is refused too: no loop, one refresh', async () => {
      const { client, calls, fetchTokens, tokens } = await setup(acceptsOnly(() => 'never'));
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => client.get(`/orders/${i}`)));
      expect(statuses.every((status) => status === 401)).toBe(true);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(calls).toHaveLength(100);
      // Each replay's 401 reports the token it carried (the manager may start a cooldown).
      expect(invalidate.mock.calls.filter(([token]) => token === 'at-1')).toHaveLength(50);
    });

    it('never replays a stream body: the 401 reaches the caller and the API got the body once', async () => {
      const { client, calls, fetchTokens } = await setup(acceptsOnly(() => 'at-1'));
      expect(await client.postStream('/upload', ['part-1,', 'part-2'])).toBe(401);
      expect(calls.map((call) => [call.method, call.authorization, call.body])).toEqual([
        ['POST', 'Bearer at-0', 'part-1,part-2'],
      ]);
      expect(fetchTokens).not.toHaveBeenCalled();
    });

    it('rejects a caller who aborts while waiting for the shared refresh; the others get the token', async () => {
      const gate = deferred();
      const { client, calls, fetchTokens } = await setup(undefined, gate.promise);
      now += 301_000;
      const controller = new AbortController();
      const aborted = client.get('/mine', { signal: controller.signal });
      const others = Array.from({ length: 100 }, () => client.get('/orders'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      controller.abort(new Error('user left the page'));
      expect(await aborted).toBe('aborted');
      gate.resolve();
      expect((await Promise.all(others)).every((status) => status === 200)).toBe(true);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(calls.some((call) => call.url.endsWith('/mine'))).toBe(false);
      expect(calls).toHaveLength(100);
    });

    it('sends nothing and replays nothing for a request that skips auth', async () => {
      const { client, calls, fetchTokens } = await setup(() => ({ status: 401 }));
      now += 301_000; // even an expired token is not refreshed for it
      expect(await client.get('/health', { skipAuth: true })).toBe(401);
      expect(calls.map((call) => call.authorization)).toEqual([null]);
      expect(fetchTokens).not.toHaveBeenCalled();
    });

    if (!options.followsRedirects) return;

    it('rejects a redirect loop as fetch does, after 20 hops that kept the token: no refresh, no token in the error', async () => {
      const { client, calls, fetchTokens, tokens } = await setup(() => ({
        status: 302,
        headers: { Location: '/loop' },
      }));
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const error = await client.get('/loop').then(
        () => expect.fail('resolved'),
        (reason: unknown) => reason,
      );
      expect(failure(error, 'at-0')).toEqual({
        says: expect.stringContaining('fetch failed: redirect count exceeded'),
        showsSecret: false,
      });
      expect(calls).toHaveLength(21);
      expect(calls.every((call) => call.authorization === 'Bearer at-0')).toBe(true);
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(invalidate).not.toHaveBeenCalled();
    });

    it('rejects a redirect to a Location that is not an http(s) URL as fetch does, and sends nothing there', async () => {
      const locations = [
        'data:text/plain,hello',
        'javascript:alert(1)',
        'ftp://api.example.com/x',
        'http://[::1',
      ];
      const { client, calls, fetchTokens } = await setup((call) =>
        call.url.includes('/to/')
          ? { status: 307, headers: { Location: locations[Number(call.url.split('/to/')[1])] as string } }
          : { status: 200 },
      );
      for (const [i] of locations.entries()) {
        const error = await client.get(`/to/${i}`).then(
          () => expect.fail('resolved'),
          (reason: unknown) => reason,
        );
        expect(failure(error, 'at-0')).toEqual({
          says: expect.stringContaining('fetch failed: redirect to a non-http(s) URL'),
          showsSecret: false,
        });
      }
      expect(calls.map((call) => call.url)).toEqual(locations.map((_, i) => `${API}/to/${i}`));
      expect(fetchTokens).not.toHaveBeenCalled();
    });

    it('answers with a 3xx that has no Location, as fetch does: nothing to follow', async () => {
      const { client, calls } = await setup(() => ({ status: 302 }));
      expect(await client.get('/moved')).toBe(302);
      expect(calls).toHaveLength(1);
    });
  });
}
