import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** What `withTokens`/`kyHooks` say after their own `where` (packages/fetch: the same core checks, and `shouldRefresh`). */
const refusals: [option: string, value: unknown, message: string][] = [
  ['shouldRefresh', 'yes', 'shouldRefresh must be a function'],
  ['shouldRefresh', 60, 'shouldRefresh must be a function'],
  ['shouldRefresh', {}, 'shouldRefresh must be a function'],
  ['header', 'X Token', 'header must be a header name such as "Authorization"'],
  ['header', 0, 'header must be a header name such as "Authorization"'],
  ['scheme', 'Bearer x', `scheme must be '' or an auth scheme such as "Bearer"`],
  ['scheme', false, `scheme must be '' or an auth scheme such as "Bearer"`],
  [
    'senderConstraint',
    {},
    'senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop',
  ],
];
/** `createOriginPolicy` names no transport: the same message from all three. */
const originRefusal = 'origins: "api.example.com" is not an origin such as https://api.example.com';

describe('attachTokenManager refuses a shared option as withTokens and kyHooks do', () => {
  it.each(refusals)(
    '%s: %j, with a TypeError when attached, before any request',
    async (option, value, message) => {
      const api = fakeApi(() => ({
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      }));
      const { tokens, fetchTokens } = await countingTokens();
      managers.push(tokens);
      const instance = axios.create({ baseURL, adapter: api.adapter });
      expect(() => attachTokenManager(instance, tokens, { [option]: value })).toThrow(
        new TypeError(`attachTokenManager(): ${message}`),
      );
      await expect(instance.get('/orders')).rejects.toMatchObject({ response: { status: 401 } });
      expect(api.calls).toHaveLength(1);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('origins: an entry that is not an origin, with the message withTokens gives', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    expect(() =>
      attachTokenManager(axios.create({ baseURL }), tokens, { origins: ['api.example.com'] }),
    ).toThrow(new TypeError(originRefusal));
  });

  it('takes a null or absent shouldRefresh as the default: one refresh and one replay for a 401 invalid_token', async () => {
    let sends = 0;
    const api = fakeApi(() =>
      ++sends === 1
        ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }
        : { status: 200 },
    );
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens, { shouldRefresh: null as never });
    const status = await instance.get('/orders').then(
      (response) => response.status,
      (error: AxiosError) => error.response?.status,
    );
    expect(status).toBe(200);
    expect(api.calls).toHaveLength(2);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
