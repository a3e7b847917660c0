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
