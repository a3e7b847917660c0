import { TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

function manager(): TokenManager {
  const tokens = new TokenManager({
    fetchTokens: async () => ({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300 }),
    retry: false,
  });
  managers.push(tokens);
  return tokens;
}

const ky = { retry: () => ({}) } as never;

describe('withTokens and kyHooks options from JavaScript callers', () => {
  it.each([['yes'], [60], [{}]])(
    'refuse a shouldRefresh that is not a function (%j), before any request',
    (value) => {
      const send = vi.fn(async () => new Response(null, { status: 401 }));
      const message = /shouldRefresh must be a function/;
      expect(() => withTokens(send, manager(), { shouldRefresh: value as never })).toThrow(TypeError);
      expect(() => withTokens(send, manager(), { shouldRefresh: value as never })).toThrow(message);
      expect(() => kyHooks(ky, manager(), { shouldRefresh: value as never })).toThrow(message);
      expect(send).not.toHaveBeenCalled();
    },
  );

  it('takes a null shouldRefresh as the default, and a frozen options object', async () => {
    const send = vi.fn(async () => new Response('ok'));
    const api = withTokens(
      send,
      manager(),
      Object.freeze({ shouldRefresh: null as never, baseUrl: `${API}/` }),
    );
    expect((await api('x')).status).toBe(200);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
