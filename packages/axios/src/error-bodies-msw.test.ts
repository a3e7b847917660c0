import type { TokenManager } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosError } from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { attachTokenManager } from './attach-token-manager.js';
import { REDACTED } from './redact-error.js';

// A debugging proxy that echoes the request's Authorization header in its 401 body, read by the app
// as `responseType: 'blob'` or `'stream'` (the fetch adapter, as in browsers).
const origin = 'https://api.example.com';
const server = setupServer(
  http.get(`${origin}/echo`, ({ request }) =>
    HttpResponse.text(`refused: ${request.headers.get('authorization')}`, { status: 401 }),
  ),
);
const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const tokens of managers.splice(0)) tokens.dispose();
});
afterAll(() => server.close());

async function failure(responseType: 'blob' | 'stream'): Promise<AxiosError> {
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const client = axios.create({ baseURL: origin, adapter: 'fetch' });
  attachTokenManager(client, tokens);
  const error = await client.get('/echo', { responseType }).then(
    () => expect.fail('resolved'),
    (reason: AxiosError) => reason,
  );
  expect(error.response?.status).toBe(401);
  expect(fetchTokens).toHaveBeenCalledTimes(1); // refused at-0, then the replay's at-1
  return error;
}

describe('an echoing API, blob and stream error bodies (msw, fetch adapter)', () => {
  it('responseType blob: the app’s Blob reads without the replay’s token', async () => {
    const data = (await failure('blob')).response?.data as Blob;
    expect(data).toBeInstanceOf(Blob);
    expect(data.type).toBe('text/plain');
    expect(await data.text()).toBe(`refused: ${REDACTED}`);
  });

  it('responseType stream: the app’s ReadableStream reads without the replay’s token', async () => {
    const data = (await failure('stream')).response?.data as ReadableStream;
    expect(await new Response(data).text()).toBe(`refused: ${REDACTED}`);
  });
});
