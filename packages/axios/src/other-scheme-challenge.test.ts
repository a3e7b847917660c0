import type { TokenManager } from '@tessera/core';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';
import { attachTokenManagerDefaults } from './attach-token-manager-options.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** An API that accepts only `at-1`, and answers any other token with these `WWW-Authenticate` values. */
async function setup(
  challenge: string | string[] | undefined,
  options: Parameters<typeof attachTokenManager>[2] = {},
) {
  const api = fakeApi((call) =>
    call.authorization?.endsWith(' at-1')
      ? { status: 200 }
      : {
          status: 401,
          // An array: how axios's http adapter hands over a header sent twice.
          headers: (challenge === undefined ? {} : { 'www-authenticate': challenge }) as Record<
            string,
            string
          >,
        },
  );
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
  attachTokenManager(instance, tokens, options);
  return { instance, fetchTokens, calls: api.calls };
}

describe('attachTokenManager: a 401 whose challenges are for another scheme', () => {
  it.each<[string, string | string[]]>([
    ['Basic', 'Basic realm="x"'],
    ['Negotiate', 'Negotiate'],
    ['a token68 credential and another scheme', 'Negotiate abc+/==, NTLM'],
    ['scheme words inside a quoted string', 'Basic realm="Bearer error=invalid_token, Bearer x"'],
    ['a DPoP challenge to a Bearer token', 'DPoP error="invalid_token"'],
    ['two headers, neither Bearer', ['Basic realm="x"', 'Digest realm="y", nonce="z"']],
    ['an unterminated quoted string', 'Basic realm="Bearer error=invalid_token, Bearer'],
    ['a hostile 64 KiB header', `Basic ${'x/'.repeat(32_768)} q`],
  ])('rejects with the 401 as it is, without a token request: %s', async (_name, challenge) => {
    const { instance, fetchTokens, calls } = await setup(challenge);
    await expect(instance.post('/orders', { a: 1 })).rejects.toMatchObject({ status: 401 });
    expect(fetchTokens).toHaveBeenCalledTimes(0);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
  });

  it.each<[string, string | string[] | undefined]>([
    ['no header at all', undefined],
    ['Bearer among other challenges, any case', 'basic realm="a, b", BEARER error="invalid_token"'],
    ['two headers, the Bearer one second', ['Basic realm="x"', 'Bearer realm="api"']],
    ['only separators', ', ,'],
  ])('refreshes once and replays: %s', async (_name, challenge) => {
    const { instance, fetchTokens, calls } = await setup(challenge);
    await expect(instance.post('/orders', { a: 1 })).resolves.toMatchObject({ status: 200 });
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it('passes the scheme the token went with to shouldRefresh', async () => {
    const schemes: Array<string | undefined> = [];
    const { instance, fetchTokens } = await setup('Basic realm="x"', {
      shouldRefresh: (error, scheme) => {
        schemes.push(scheme);
        return attachTokenManagerDefaults.shouldRefresh(error, scheme);
      },
    });
    await expect(instance.get('/orders')).rejects.toMatchObject({ status: 401 });
    expect([...new Set(schemes)]).toEqual(['Bearer']); // asked on the way in and when settled
    expect(fetchTokens).toHaveBeenCalledTimes(0);
  });

  it('passes "" for a bare token, whose 401 a Basic challenge does not keep from a refresh', async () => {
    const schemes: Array<string | undefined> = [];
    const api = fakeApi((call) =>
      call.config.headers.get('X-Api-Token') === 'at-1'
        ? { status: 200 }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } },
    );
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens, {
      header: 'X-Api-Token',
      scheme: '',
      shouldRefresh: (error, scheme) => {
        schemes.push(scheme);
        return attachTokenManagerDefaults.shouldRefresh(error, scheme);
      },
    });
    await expect(instance.get('/orders')).resolves.toMatchObject({ status: 200 });
    expect([...new Set(schemes)]).toEqual(['']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
