import { createRequire } from 'node:module';
import type * as esm from '@tessera/core';
import { isTesseraError } from '@tessera/core';
import axios, { type AxiosAdapter } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachTokenManager } from './attach-token-manager.js';

/**
 * The dual-package hazard: `@tessera/axios` gets one copy of core (the source here), the app makes
 * its `TokenManager` with another (the built CommonJS file). Two `TokenManager` and `TesseraError` classes.
 * Reads core's build: `pnpm --filter @tessera/core build` first (`pnpm check` builds before its tests).
 */
const cjs = createRequire(import.meta.url)('../../core/dist/index.cjs') as typeof esm;
const API = 'https://api.example.com';

const managers: esm.TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

function client(fetchTokens: esm.FetchTokens) {
  const tokens = new cjs.TokenManager({ fetchTokens, retry: false });
  managers.push(tokens);
  const adapter = vi.fn<AxiosAdapter>(async (config) => ({
    data: { authorization: config.headers.Authorization },
    status: 200,
    statusText: 'OK',
    headers: {},
    config,
  }));
  const instance = axios.create({ baseURL: API, adapter });
  attachTokenManager(instance, tokens);
  return { instance, adapter };
}

describe('attachTokenManager with a TokenManager of another copy of core', () => {
  it('sends its token', async () => {
    const { instance } = client(async () => ({
      access_token: 'at-1',
      token_type: 'Bearer',
      expires_in: 300,
    }));
    expect((await instance.get('/orders')).data).toEqual({ authorization: 'Bearer at-1' });
  });

  it("maps an abort during its refresh to axios's CanceledError", async () => {
    const { instance, adapter } = client(() => new Promise(() => {}));
    const controller = new AbortController();
    const sent = instance.get('/orders', { signal: controller.signal });
    controller.abort();
    const error = await sent.catch((caught: unknown) => caught);
    expect(axios.isCancel(error)).toBe(true);
    expect(adapter).not.toHaveBeenCalled();
  });

  it('passes its LoginRequiredError through, recognised by isTesseraError of this copy', async () => {
    const { instance, adapter } = client(() => {
      throw new cjs.LoginRequiredError('no session');
    });
    const error = await instance.get('/orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(cjs.LoginRequiredError);
    expect(isTesseraError(error, 'LOGIN_REQUIRED')).toBe(true);
    expect(adapter).not.toHaveBeenCalled();
  });
});
