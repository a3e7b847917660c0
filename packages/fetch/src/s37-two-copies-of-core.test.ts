import { createRequire } from 'node:module';
import * as esm from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTokens } from './with-tokens.js';

/**
 * The dual-package hazard: an app whose bundler gives `@tessera/fetch` one copy of core while the
 * app makes its `TokenManager` (and errors) with another — here the built CommonJS file beside the
 * source this package imports. Two copies: two `TokenManager` and `TesseraError` classes.
 * Reads core's build: `pnpm --filter @tessera/core build` first (`pnpm check` builds before its tests).
 */
const cjs = createRequire(import.meta.url)('../../core/dist/index.cjs') as typeof esm;
const API = 'https://api.example.com';

const managers: esm.TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  echo.mockClear();
});

function otherCopyManager(options: Partial<esm.TokenManagerOptions>): esm.TokenManager {
  const tokens = new cjs.TokenManager({
    fetchTokens: async () => ({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300 }),
    retry: false,
    ...options,
  });
  managers.push(tokens);
  return tokens;
}

const echo = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) =>
  Response.json({ authorization: new Headers(init?.headers).get('authorization') }),
);

describe('withTokens with a TokenManager of another copy of core', () => {
  it('is another copy indeed', () => {
    expect(cjs.TokenManager).not.toBe(esm.TokenManager);
    expect(new cjs.DisposedError()).not.toBeInstanceOf(esm.TesseraError);
  });

  it('sends its token', async () => {
    const api = withTokens(echo, otherCopyManager({}), { origins: [API] });
    expect(await (await api(`${API}/orders`)).json()).toEqual({ authorization: 'Bearer at-1' });
  });

  it("rejects an aborted wait for a refresh with the caller's signal.reason, as fetch does", async () => {
    const api = withTokens(echo, otherCopyManager({ fetchTokens: () => new Promise(() => {}) }), {
      origins: [API],
    });
    const controller = new AbortController();
    const reason = new Error('navigated away');
    const sent = api(`${API}/orders`, { signal: controller.signal });
    controller.abort(reason);
    await expect(sent).rejects.toBe(reason);
    expect(echo).not.toHaveBeenCalled();
  });

  it('passes its LoginRequiredError through, recognised by isTesseraError of this copy', async () => {
    const api = withTokens(
      echo,
      otherCopyManager({
        fetchTokens: () => {
          throw new cjs.LoginRequiredError('no session');
        },
      }),
      { origins: [API] },
    );
    const error = await api(`${API}/orders`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(cjs.LoginRequiredError);
    expect(esm.isTesseraError(error, 'LOGIN_REQUIRED')).toBe(true);
  });

  it('takes a createDPoP() made with this copy as the other copy’s senderConstraint', async () => {
    const dpop = createDPoP();
    const tokens = otherCopyManager({
      senderConstraint: dpop,
      fetchTokens: async () => ({ access_token: 'at-1', token_type: 'DPoP', expires_in: 300 }),
    });
    const sent: Headers[] = [];
    const api = withTokens(
      async (_input, init) => {
        sent.push(new Headers(init?.headers));
        return new Response('ok');
      },
      tokens,
      { origins: [API] },
    );
    expect((await api(`${API}/orders`)).status).toBe(200);
    expect(sent[0]?.get('authorization')).toBe('DPoP at-1');
    expect(sent[0]?.get('dpop')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('rejects with the other copy’s DisposedError once the manager is disposed', async () => {
    const tokens = otherCopyManager({});
    const api = withTokens(echo, tokens, { origins: [API] });
    tokens.dispose();
    const error = await api(`${API}/orders`).catch((caught: unknown) => caught);
    expect(esm.isTesseraError(error, 'DISPOSED')).toBe(true);
    expect(echo).not.toHaveBeenCalled();
  });
});
