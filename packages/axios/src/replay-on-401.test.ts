import { Readable } from 'node:stream';
import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { type FakeAnswer, type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';
import { REDACTED } from './redact-error.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

/** An API that accepts only `Bearer <valid()>`, with an RFC 6750 challenge otherwise. */
function acceptsOnly(valid: () => string) {
  return (call: FakeCall): FakeAnswer =>
    call.authorization === `Bearer ${valid()}`
      ? { status: 200 }
      : { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
}

async function setup(
  respond: Parameters<typeof fakeApi>[0],
  options?: Parameters<typeof attachTokenManager>[2],
  clock?: () => number,
) {
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens(clock ? { clock } : {});
  managers.push(tokens);
  const instance = axios.create({ baseURL, adapter: api.adapter });
  attachTokenManager(instance, tokens, options);
  return { instance, tokens, fetchTokens, calls: api.calls };
}

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('attachTokenManager: replay on 401', () => {
  it('invalidates the token a rejected request carried and replays it once with the new token', async () => {
    const { instance, tokens, fetchTokens, calls } = await setup(acceptsOnly(() => 'at-1'));
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const response = await instance.get('/orders');
    expect(response.status).toBe(200);
    expect(invalidate.mock.calls).toEqual([['at-0']]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it('replays each of 500 concurrent 401s exactly once after a single refresh', async () => {
    const { instance, fetchTokens, calls } = await setup(acceptsOnly(() => 'at-1'));
    const responses = await Promise.all(Array.from({ length: 500 }, (_, i) => instance.get(`/orders/${i}`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(1000);
    const perUrl = new Map<string, string[]>();
    for (const call of calls)
      perUrl.set(call.url, [...(perUrl.get(call.url) ?? []), call.authorization ?? '']);
    expect([...perUrl.values()].every((sent) => sent.join() === 'Bearer at-0,Bearer at-1')).toBe(true);
  });

  it('replays a late 401 (for a token already replaced) with the current token, without a second refresh', async () => {
    const held = deferred<void>();
    const { instance, tokens, fetchTokens, calls } = await setup(async (call) => {
      if (call.url.endsWith('/slow') && call.authorization === 'Bearer at-0') await held.promise;
      return acceptsOnly(() => 'at-1')(call);
    });
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const slow = instance.get('/slow');
    await instance.get('/fast'); // 401 → refresh → at-1 → replay succeeds
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    held.resolve(); // the slow request's 401 for at-0 arrives only now
    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(invalidate.mock.results.map((result) => result.value)).toEqual([true, false]);
    expect(calls.filter((call) => call.url.endsWith('/slow')).map((call) => call.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-1',
    ]);
  });

  it('rejects with the replay’s 401 AxiosError when the replay is rejected too, after one refresh', async () => {
    // Rejects the first 3 attempts of each URL, so a loop would end in a 200 and be seen, not hang.
    const attempts = new Map<string, number>();
    const { instance, fetchTokens, calls } = await setup((call) => {
      attempts.set(call.url, (attempts.get(call.url) ?? 0) + 1);
      return (attempts.get(call.url) ?? 0) > 3 ? { status: 200 } : acceptsOnly(() => 'never')(call);
    });
    const errors = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instance.get(`/orders/${i}`).catch((error: AxiosError) => error)),
    );
    expect(errors.every((error) => axios.isAxiosError(error) && error.response?.status === 401)).toBe(true);
    // The error says which header was sent, never the token (issue 10 item 11).
    expect(errors.every((error) => error.config?.headers.get('Authorization') === REDACTED)).toBe(true);
    expect(errors.some((error) => JSON.stringify(error).includes('at-1'))).toBe(false);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(200);
  });

  it('replays once and never loops when the config loses its private mark (older axios, copying interceptors)', async () => {
    let valid = 'at-1';
    let now = Date.now();
    const { instance, fetchTokens, calls } = await setup(
      (call) => acceptsOnly(() => valid)(call),
      undefined,
      () => now,
    );
    // Registered after attachTokenManager, so it runs before it: drops Symbol keys like axios < 1.18 does.
    instance.interceptors.request.use((config) => {
      for (const key of Object.getOwnPropertySymbols(config))
        delete (config as unknown as Record<symbol, unknown>)[key];
      return config;
    });
    await expect(instance.get('/orders')).resolves.toMatchObject({ status: 200 });
    valid = 'never';
    // Past the manager's rejectionCooldown (30 s): at-1 came from an invalidation, and a rejection
    // within the cooldown would be ignored (core decision 0011) instead of refreshing.
    now += 30_000;
    await expect(instance.get('/orders')).rejects.toMatchObject({ status: 401 });
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(calls.map((call) => call.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-2',
    ]);
  });

  it('passes a non-401 error through untouched, without invalidating or replaying', async () => {
    const { instance, tokens, fetchTokens, calls } = await setup((call) =>
      call.url.endsWith('/forbidden') ? { status: 403 } : { status: 500 },
    );
    const invalidate = vi.spyOn(tokens, 'invalidate');
    for (const path of ['/forbidden', '/boom']) {
      const error = (await instance.get(path).catch((caught: unknown) => caught)) as AxiosError;
      expect(error.response?.status).toBe(path === '/boom' ? 500 : 403);
      expect(error.config?.headers.get('Authorization')).toBe(REDACTED); // sent, but not shown
      expect(calls.at(-1)?.authorization).toBe('Bearer at-0');
    }
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(calls).toHaveLength(2);
  });

  it('passes a network error through untouched', async () => {
    const failure = new Error('socket hang up');
    const { instance, fetchTokens } = await setup(() => {
      throw failure;
    });
    await expect(instance.get('/orders')).rejects.toBe(failure);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('does not replay a 401 whose challenge names insufficient_scope', async () => {
    const { instance, fetchTokens, calls } = await setup(() => ({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope", scope="orders:write"' },
    }));
    await expect(instance.get('/orders')).rejects.toMatchObject({ status: 401 });
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
  });

  it('asks shouldRefresh, e.g. to also refresh on a 419', async () => {
    const { instance, fetchTokens, calls } = await setup(
      (call) => (call.authorization === 'Bearer at-1' ? { status: 200 } : { status: 419 }),
      { shouldRefresh: (error) => error.response?.status === 419 },
    );
    await expect(instance.get('/orders')).resolves.toMatchObject({ status: 200 });
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
  });

  it('gives a re-sent error.config (axios-retry style) the current token and keeps its single replay', async () => {
    let valid = 'at-0';
    const { instance, tokens, calls } = await setup((call) =>
      call.url.endsWith('/flaky') && calls.length === 1 ? { status: 503 } : acceptsOnly(() => valid)(call),
    );
    const error = (await instance.get('/flaky').catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(503);
    tokens.invalidate('at-0'); // the token changed meanwhile
    valid = 'at-1';
    await expect(instance.request(error.config!)).resolves.toMatchObject({ status: 200 });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it('drops its own header when a re-sent config now points to another origin', async () => {
    const { instance, calls } = await setup((call) => ({ status: call.url.includes('evil') ? 200 : 503 }));
    const error = (await instance.get('/orders').catch((caught: unknown) => caught)) as AxiosError;
    await instance.request({ ...error.config!, url: 'https://evil.test/steal' });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', undefined]);
  });

  it('never replays a re-sent config that now has a caller-set header, skipAuth or another origin', async () => {
    const { instance, tokens, fetchTokens, calls } = await setup(() =>
      calls.length === 1 ? { status: 503 } : { status: 401 },
    );
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const error = (await instance.get('/orders').catch((caught: unknown) => caught)) as AxiosError;
    const resends = [
      { ...error.config!, headers: { Authorization: 'Bearer caller-token' } },
      { ...error.config!, skipAuth: true },
      { ...error.config!, url: 'https://evil.test/x' },
    ];
    for (const config of resends)
      await expect(instance.request(config)).rejects.toMatchObject({ status: 401 });
    expect(calls.map((call) => call.authorization)).toEqual([
      'Bearer at-0',
      'Bearer caller-token',
      undefined, // skipAuth: our own (redacted) header is removed, nothing is sent, nothing replayed
      undefined,
    ]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('frees the body of a 401 it replays (responseType stream): nobody else can read it', async () => {
    const bodies: Readable[] = [];
    const { instance, fetchTokens } = await setup((call) => {
      const answer = acceptsOnly(() => 'at-1')(call);
      const data = Readable.from(['unauthorized']);
      bodies.push(data);
      return { ...answer, data };
    });
    const response = await instance.get('/download', { responseType: 'stream' });
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(bodies.map((body) => body.destroyed)).toEqual([true, false]); // the 401's freed, yours left open
    response.data.destroy();
  });

  it('frees the body of a 401 whose refresh fails: the caller gets the manager’s error, never that body', async () => {
    const bodies: Readable[] = [];
    const { instance, tokens } = await setup(() => {
      const data = Readable.from(['unauthorized']);
      bodies.push(data);
      return { status: 401, data };
    });
    vi.spyOn(tokens, 'getTokens').mockRejectedValueOnce(new Error('refresh failed'));
    await expect(instance.get('/download', { responseType: 'stream' })).rejects.toThrow('refresh failed');
    expect(bodies.map((body) => body.destroyed)).toEqual([true]);
  });

  it('shares one refresh between two axios instances on one manager', async () => {
    const api = fakeApi(acceptsOnly(() => 'at-1'));
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instances = [1, 2].map(() => axios.create({ baseURL, adapter: api.adapter }));
    for (const instance of instances) attachTokenManager(instance, tokens);
    await Promise.all(
      instances.flatMap((instance) => Array.from({ length: 100 }, () => instance.get('/orders'))),
    );
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.calls).toHaveLength(400);
  });
});
