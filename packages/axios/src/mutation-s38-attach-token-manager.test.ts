import { Readable } from 'node:stream';
import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';
import { REDACTED } from './redact-error.js';

// A mutant of stop 38's `reject` that the other tests let live: the error of a redirect hop Tessera
// follows for a DPoP request (here: past the caller's `maxRedirects: 1`) handed over before its `blob` body is read.
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('an error handed over by the interceptor, its blob body quoting the token', () => {
  it('past maxRedirects: ERR_FR_TOO_MANY_REDIRECTS, its Blob read and handed over without the token', async () => {
    const api = fakeApi(({ authorization }) => ({
      status: 302,
      headers: { location: '/again' },
      data: new Blob([`moved; you sent ${authorization}`], { type: 'text/plain' }),
    }));
    const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(counted.tokens);
    const instance = axios.create({
      baseURL: 'https://api.example.com',
      adapter: api.adapter,
      maxRedirects: 1,
    });
    attachTokenManager(instance, counted.tokens, { senderConstraint: createDPoP() });

    const error = (await instance.get('/go', { responseType: 'blob' }).then(
      () => expect.fail('resolved'),
      (caught: unknown) => caught,
    )) as AxiosError<Blob>;
    expect(error.code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
    expect(api.calls.map((call) => call.authorization)).toEqual(['DPoP at-0', 'DPoP at-0']);
    expect(counted.fetchTokens).not.toHaveBeenCalled(); // at-0 was there already
    const data = error.response?.data as Blob;
    expect(data.type).toBe('text/plain');
    expect(await data.text()).toBe(`moved; you sent ${REDACTED}`);
  });

  it('a 500 (no refresh): its Blob read and handed over without the token', async () => {
    const api = fakeApi(({ authorization }) => ({
      status: 500,
      data: new Blob([`failed; you sent ${authorization}`], { type: 'text/plain' }),
    }));
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, counted.tokens);

    const error = (await instance.get('/orders', { responseType: 'blob' }).then(
      () => expect.fail('resolved'),
      (caught: unknown) => caught,
    )) as AxiosError<Blob>;
    expect(error.response?.status).toBe(500);
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
    expect(counted.fetchTokens).not.toHaveBeenCalled(); // at-0 was there already
    expect(await (error.response as { data: Blob }).data.text()).toBe(`failed; you sent ${REDACTED}`);
  });

  it('a 401 of a request whose stream body cannot be sent again: no replay, its Blob handed over without the token', async () => {
    const api = fakeApi(({ authorization }) => ({
      status: 401,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      data: new Blob([`refused ${authorization}`], { type: 'text/plain' }),
    }));
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, counted.tokens);

    const error = (await instance
      .post('/upload', Readable.from([Buffer.from('part')]), { responseType: 'blob' })
      .then(
        () => expect.fail('resolved'),
        (caught: unknown) => caught,
      )) as AxiosError<Blob>;
    expect(error.response?.status).toBe(401);
    expect(api.calls).toHaveLength(1);
    expect(await (error.response as { data: Blob }).data.text()).toBe(`refused ${REDACTED}`);
  });
});
