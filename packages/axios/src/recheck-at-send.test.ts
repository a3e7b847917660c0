import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { type FakeAnswer, type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// axios runs request interceptors last-registered first: one registered before attachTokenManager
// runs after ours and can move the request after the token was put on.
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

const versions = [
  ['axios (newest)', (adapter: never) => axios.create({ baseURL, adapter })],
  ['axios 1.12.0', (adapter: never) => axios112.create({ baseURL, adapter }) as unknown as AxiosInstance],
] as const;

/** Where each call went (the config the adapter got) and the credentials it carried. */
function sentOf(calls: readonly FakeCall[]) {
  return calls.map(({ config }) => {
    const where = new URL(String(config.url), config.baseURL ?? undefined).origin;
    const dpop = config.headers.get('DPoP');
    return [where, config.headers.get('Authorization') ?? null, typeof dpop === 'string' ? 'proof' : null];
  });
}

async function setup(
  create: (adapter: never) => AxiosInstance,
  respond: (call: FakeCall) => FakeAnswer,
  withDPoP = false,
) {
  const api = fakeApi(respond);
  const counted = await countingTokens(withDPoP ? { tokenType: 'DPoP', tokenTypes: ['DPoP'] } : {});
  managers.push(counted.tokens);
  const instance = create(api.adapter as never);
  // Registered first: runs after attachTokenManager's interceptor.
  instance.interceptors.request.use((config) => {
    if (config.url === '/moved') config.url = 'https://evil.test/steal';
    if (config.url === '/rebased') config.baseURL = 'https://evil.test';
    if (config.url === '/elsewhere-allowed') config.url = '/v2/orders';
    if (config.url === '/replaced') {
      // Replaces the transforms altogether (ours included), then moves the request.
      config.transformRequest = [(data) => `replaced:${JSON.stringify(data)}`];
      config.url = 'https://evil.test/steal';
    }
    if (config.url === '/unset') {
      config.transformRequest = undefined as never;
      config.baseURL = 'https://evil.test';
    }
    if (config.url === '/rebuilt') {
      // A new config object, with transforms of its own.
      return { ...config, url: 'https://evil.test/steal', transformRequest: [(data: unknown) => data] };
    }
    if (config.url === '/spread') return { ...config, url: 'https://evil.test/steal' };
    if (config.url === 'https://api.example.com/flip') config.allowAbsoluteUrls = false;
    const url = config.url as unknown;
    if (url instanceof URL && url.pathname === '/in-place') url.hostname = 'evil.test';
    if (config.url === '/own-header') config.headers.set('Authorization', 'Basic b3duOmhlYWRlcg==');
    if (config.url === '/no-header') config.headers.delete('Authorization');
    if (config.url === '/own-header-moved') {
      config.headers.set('Authorization', 'Basic b3duOmhlYWRlcg==');
      config.url = 'https://evil.test/steal';
    }
    if (config.url === '/no-header-moved') {
      config.headers.delete('Authorization');
      config.url = 'https://evil.test/steal';
    }
    if (config.url === '/public') config.skipAuth = true;
    return config;
  });
  attachTokenManager(instance, counted.tokens, withDPoP ? { senderConstraint: createDPoP() } : {});
  return { ...counted, instance, calls: api.calls };
}

const fromEvil = ({ config }: FakeCall): FakeAnswer =>
  String(config.url).includes('evil') || config.baseURL === 'https://evil.test'
    ? { status: 401 }
    : { status: 200 };

describe.each(versions)('a user interceptor that runs after ours, with %s', (_name, create) => {
  it('never sends the token where it moved the request (url, baseURL); its 401 refreshes and replays nothing', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const moved = await instance.get('/moved').catch((error: AxiosError) => error);
    const rebased = await instance.get('/rebased').catch((error: AxiosError) => error);
    expect([moved, rebased].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends the token where only allowAbsoluteUrls changed (the url goes under another baseURL now)', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const options = { baseURL: 'https://evil.test', allowAbsoluteUrls: true };
    const flipped = await instance
      .get('https://api.example.com/flip', options)
      .catch((error: AxiosError) => error);
    expect((flipped as AxiosError).response?.status).toBe(401);
    expect(
      calls.map(({ config }) => [config.allowAbsoluteUrls, config.headers.get('Authorization') ?? null]),
    ).toEqual([[false, null]]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('checks a request with its own transformRequest too, and a URL object changed in place', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const own = await instance
      .post('/moved', { a: 1 }, { transformRequest: [(data) => JSON.stringify(data)] })
      .catch((error: AxiosError) => error);
    const inPlace = await instance
      .get(new URL('https://api.example.com/in-place') as never)
      .catch((error: AxiosError) => error);
    expect([own, inPlace].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends the token where it moved the request after replacing transformRequest (or unsetting it); yours still run', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const replaced = await instance.post('/replaced', { a: 1 }).catch((error: AxiosError) => error);
    const unset = await instance.post('/unset', 'raw').catch((error: AxiosError) => error);
    expect([replaced, unset].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(calls.map(({ config }) => config.data)).toEqual(['replaced:{"a":1}', 'raw']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends the token where a new config object it returns goes (with transforms of its own or not); its 401 refreshes nothing', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const rebuilt = await instance.post('/rebuilt', 'raw').catch((reason: AxiosError) => reason);
    const spread = await instance.get('/spread').catch((reason: AxiosError) => reason);
    expect([rebuilt, spread].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    // Where it went, and the header as it was sent.
    expect(calls.map((call) => [sentOf([call])[0]?.[0], call.authorization ?? null])).toEqual([
      ['https://evil.test', null],
      ['https://evil.test', null],
    ]);
    expect(calls[0]?.config.data).toBe('raw');
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends the token where an async interceptor or a synchronous one moved the request', async () => {
    const api = fakeApi(fromEvil);
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = create(api.adapter as never);
    instance.interceptors.request.use(async (config) => {
      if (config.url === '/async') return { ...config, url: 'https://evil.test/steal' };
      return config;
    });
    instance.interceptors.request.use(
      (config) => {
        if (config.url === '/sync') config.baseURL = 'https://evil.test';
        return config;
      },
      undefined,
      { synchronous: true },
    );
    attachTokenManager(instance, tokens);
    await instance.get('/async').catch(() => undefined);
    await instance.get('/sync').catch(() => undefined);
    await instance.get('/orders');
    expect(sentOf(api.calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
      [baseURL, 'Bearer at-0', null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('keeps the redirect guard when it replaces beforeRedirect: the token never follows a redirect to another origin; its hook still runs', async () => {
    const hops: unknown[] = [];
    const redirected: Array<Record<string, unknown>> = [];
    const api = fakeApi(({ config }) => {
      // What follow-redirects does before a hop of the http adapter.
      const options = {
        href: 'https://evil.test/next',
        headers: { Authorization: config.headers.get('Authorization') },
      };
      (config.beforeRedirect as (options: unknown, response: unknown) => void)(options, {});
      redirected.push(options.headers);
      return { status: 200 };
    });
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = create(api.adapter as never);
    instance.interceptors.request.use((config) => {
      config.beforeRedirect = (options) => {
        hops.push(options.href);
      };
      return config;
    });
    attachTokenManager(instance, tokens);
    await instance.get('/orders');
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
    expect(hops).toEqual(['https://evil.test/next']);
    expect(redirected).toEqual([{}]);
  });

  it('keeps the token when it moves the request within allowed origins', async () => {
    const { instance, calls } = await setup(create, () => ({ status: 200 }));
    await instance.get('/elsewhere-allowed');
    await instance.get('/elsewhere-allowed');
    expect(sentOf(calls)).toEqual([
      [baseURL, 'Bearer at-0', null],
      [baseURL, 'Bearer at-0', null],
    ]);
  });
  it('refreshes and replays nothing for the 401 of a request whose token header it replaced or removed', async () => {
    const { instance, calls, fetchTokens, tokens } = await setup(create, () => ({ status: 401 }));
    const own = await instance.get('/own-header').catch((error: AxiosError) => error);
    const none = await instance.get('/no-header').catch((error: AxiosError) => error);
    expect([own, none].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    // Our token never went: the 401 says nothing about it, so it is neither invalidated nor replaced.
    expect(calls.map((call) => call.authorization ?? null)).toEqual(['Basic b3duOmhlYWRlcg==', null]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(tokens.freshTokens()?.accessToken).toBe('at-0');
  });

  it('sends no token where it set skipAuth: true, and its 401 refreshes and replays nothing', async () => {
    const { instance, calls, fetchTokens, tokens } = await setup(create, () => ({ status: 401 }));
    const error = await instance.get('/public').catch((reason: AxiosError) => reason);
    expect((error as AxiosError).response?.status).toBe(401);
    expect(sentOf(calls)).toEqual([[baseURL, null, null]]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(tokens.freshTokens()?.accessToken).toBe('at-0');
  });
});

describe('a user interceptor that runs after ours, with a senderConstraint (DPoP)', () => {
  it('sends neither the token nor the proof where it moved the request, nor on the hops it is redirected to', async () => {
    const { instance, calls, fetchTokens } = await setup(
      versions[0][1],
      ({ config }) =>
        String(config.url).includes('evil')
          ? { status: 302, headers: { location: 'https://api.example.com/orders' } }
          : { status: 200 },
      true,
    );
    expect((await instance.get('/moved')).status).toBe(200);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      [baseURL, null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('a user interceptor that runs after ours replaces or removes the token header, with a senderConstraint (DPoP)', () => {
  it('sends none of our proofs with a header it replaced or removed, even where it moved the request', async () => {
    const { instance, calls, fetchTokens } = await setup(versions[0][1], () => ({ status: 200 }), true);
    await instance.get('/own-header-moved');
    await instance.get('/no-header-moved');
    await instance.get('/own-header');
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', 'Basic b3duOmhlYWRlcg==', null],
      ['https://evil.test', null, null],
      [baseURL, 'Basic b3duOmhlYWRlcg==', null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('detach() and the send-time check', () => {
  it.each(versions)(
    'checks a replay too: an interceptor that moves only the replay (replacing transformRequest) sends it no token (%s)',
    async (_name, create) => {
      const api = fakeApi(() => ({ status: 401 }));
      const { tokens, fetchTokens } = await countingTokens();
      managers.push(tokens);
      // axios 1.12 drops our record when it merges the replay's config: the replay is known by its id.
      const instance = create(api.adapter as never);
      let sends = 0;
      instance.interceptors.request.use((config) => {
        sends += 1;
        if (sends === 2) {
          config.transformRequest = [(data) => data];
          config.url = 'https://evil.test/steal';
        }
        return config;
      });
      attachTokenManager(instance, tokens);
      await instance.get('/orders').catch(() => undefined);
      expect(sentOf(api.calls)).toEqual([
        [baseURL, 'Bearer at-0', null],
        ['https://evil.test', null, null],
      ]);
      // As sent (sentOf reads the config after the error was redacted): no token went to evil.test.
      expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0', undefined]);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    },
  );

  it('keeps the check of each of two attachments when a later interceptor replaces transformRequest', async () => {
    const api = fakeApi(fromEvil);
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    instance.interceptors.request.use((config) => {
      config.transformRequest = [(data) => data];
      config.url = 'https://evil.test/steal';
      return config;
    });
    attachTokenManager(instance, tokens);
    attachTokenManager(instance, tokens, { header: 'X-Api-Token', scheme: '' });
    await instance.get('/orders').catch(() => undefined);
    const { headers } = api.calls[0]?.config ?? {};
    expect([headers?.get('Authorization') ?? null, headers?.get('X-Api-Token') ?? null]).toEqual([
      null,
      null,
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('detach() gives your interceptors their own functions back, in either order of two attachments; the other one still checks', async () => {
    const api = fakeApi(fromEvil);
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    const transforms = instance.defaults.transformRequest;
    const ejected = instance.interceptors.request.use((config) => config);
    const moves = (config: InternalAxiosRequestConfig) => {
      if (config.url === '/moved') config.url = 'https://evil.test/steal';
      return config;
    };
    const rejected = (error: unknown) => Promise.reject(error);
    const runWhen = () => true;
    instance.interceptors.request.use(moves, rejected, { synchronous: true, runWhen });
    instance.interceptors.request.eject(ejected);
    const handlers = (
      instance.interceptors.request as unknown as { handlers: Array<Record<string, unknown> | null> }
    ).handlers;
    const detachFirst = attachTokenManager(instance, tokens);
    const detachSecond = attachTokenManager(instance, tokens, { header: 'X-Api-Token' });
    expect(handlers[1]?.fulfilled).not.toBe(moves);
    expect([handlers[1]?.rejected, handlers[1]?.synchronous, handlers[1]?.runWhen]).toEqual([
      rejected,
      true,
      runWhen,
    ]);
    detachFirst();
    expect(handlers[1]?.fulfilled).not.toBe(moves);
    // The other attachment still checks where the request goes.
    await instance.get('/moved').catch(() => undefined);
    expect(api.calls[0]?.config.headers.get('X-Api-Token') ?? null).toBeNull();
    detachSecond();
    expect(handlers[1]).toEqual({ fulfilled: moves, rejected, synchronous: true, runWhen });
    expect(instance.defaults.transformRequest).toBe(transforms);

    const detachA = attachTokenManager(instance, tokens);
    const detachB = attachTokenManager(instance, tokens, { header: 'X-Api-Token' });
    detachB();
    detachA();
    expect(handlers[1]?.fulfilled).toBe(moves);
  });

  it('detach() leaves a function you put in place of the wrapped one, and an interceptor you ejected meanwhile', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL });
    const first = instance.interceptors.request.use((config) => config);
    const second = instance.interceptors.request.use((config) => config);
    const handlers = (
      instance.interceptors.request as unknown as { handlers: Array<{ fulfilled: unknown } | null> }
    ).handlers;
    const kept = handlers[0];
    const detach = attachTokenManager(instance, tokens);
    const yours = (config: unknown) => config;
    (handlers[1] as { fulfilled: unknown }).fulfilled = yours;
    instance.interceptors.request.eject(first);
    detach();
    expect(handlers[1]?.fulfilled).toBe(yours);
    expect(handlers[0]).toBeNull();
    expect((kept as { fulfilled: unknown }).fulfilled).not.toBe(yours);
    instance.interceptors.request.eject(second);
  });

  it('a synchronous interceptor stays synchronous: its wrapped function returns the config, without our token once moved', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL });
    instance.interceptors.request.use(
      (config) => {
        config.url = 'https://evil.test/steal';
        return config;
      },
      undefined,
      { synchronous: true },
    );
    attachTokenManager(instance, tokens);
    const [theirs, ours] = (
      instance.interceptors.request as unknown as {
        handlers: Array<{ fulfilled: (config: unknown) => unknown }>;
      }
    ).handlers;
    const config = { baseURL, url: '/orders', headers: new axios.AxiosHeaders() };
    expect(ours?.fulfilled(config)).toBe(config);
    expect(config.headers.get('Authorization')).toBe('Bearer at-0');
    expect(theirs?.fulfilled(config)).toBe(config);
    expect(config.headers.get('Authorization')).toBeUndefined();
  });

  it.each(versions)(
    '%s: installs no send-time check when no interceptor was registered before it (none can run after ours)',
    async (_name, create) => {
      const api = fakeApi(fromEvil);
      const { tokens } = await countingTokens();
      managers.push(tokens);
      const instance = create(api.adapter as never);
      const before = [...(instance.defaults.transformRequest as unknown[])];
      attachTokenManager(instance, tokens);
      // Registered after attachTokenManager: runs before ours, so the origin is judged after it moved.
      instance.interceptors.request.use((config) => {
        if (config.url === '/moved') config.url = 'https://evil.test/steal';
        return config;
      });
      expect(instance.defaults.transformRequest).toEqual(before);
      await instance.get('/moved').catch(() => undefined);
      await instance.get('/orders');
      expect(sentOf(api.calls)).toEqual([
        ['https://evil.test', null, null],
        [baseURL, 'Bearer at-0', null],
      ]);
      expect(Object.getOwnPropertyDescriptor(api.calls[1]?.config, 'transformRequest')?.set).toBeUndefined();
    },
  );

  it('judges at send with legacyInterceptorReqResOrdering: false (axios ≥ 1.13), where an interceptor registered after ours runs after it', async () => {
    const api = fakeApi(fromEvil);
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({
      baseURL,
      adapter: api.adapter,
      transitional: { legacyInterceptorReqResOrdering: false } as never,
    });
    attachTokenManager(instance, tokens);
    // Registered after attachTokenManager: in registration order, it runs after ours.
    instance.interceptors.request.use((config) => {
      if (config.url === '/moved') config.url = 'https://evil.test/steal';
      return config;
    });
    await instance.get('/moved').catch(() => undefined);
    await instance.get('/orders');
    expect(sentOf(api.calls)).toEqual([
      ['https://evil.test', null, null],
      [baseURL, 'Bearer at-0', null],
    ]);
  });
});
