import { describe, expect, it } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { TokenManager } from './token-manager.js';

describe('token types', () => {
  it('refuses a DPoP token by default and accepts it with tokenTypes: ["DPoP"], spelled DPoP', async () => {
    const fetchTokens = async () => ({ access_token: 'a', token_type: 'dpop' });
    const bearerOnly = new TokenManager({ fetchTokens, retry: false });
    await expect(bearerOnly.getAccessToken()).rejects.toBeInstanceOf(MalformedResponseError);
    const dpop = new TokenManager({ fetchTokens, retry: false, tokenTypes: ['DPoP'] });
    expect((await dpop.getTokens()).tokenType).toBe('DPoP');
  });

  it('refuses a token_type with CR/LF in setTokens and stores nothing', async () => {
    const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'a' }) });
    await expect(
      tokens.setTokens({ access_token: 'x', token_type: 'Bearer\r\nX: 1' }),
    ).rejects.toBeInstanceOf(MalformedResponseError);
    expect(tokens.peekTokens()).toBeUndefined();
  });
});

describe('token types read from storage', () => {
  it('treats a stored set whose tokenType would inject a header as empty, reports storage_error and refreshes', async () => {
    const stored = {
      accessToken: 'stored',
      tokenType: 'Bearer\r\nX-Injected: 1',
      expiresAt: Date.now() + 600_000,
    };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'fresh', expires_in: 600 }),
      storage: { get: () => stored, set: () => {}, remove: () => {} },
    });
    const errors: string[] = [];
    tokens.subscribe((event) => event.type === 'storage_error' && errors.push(event.operation));
    const set = await tokens.getTokens();
    expect([set.accessToken, set.tokenType]).toEqual(['fresh', 'Bearer']);
    expect(errors).toEqual(['get', 'get']);
  });
});
