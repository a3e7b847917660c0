import type { TokenManager } from '@tessera/core';
import { Request as UndiciRequest, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { withTokens } from '../src/with-tokens.js';

// A `Request` of another copy of fetch (npm `undici`), sent by that copy's own `fetch` through
// `withTokens`: the global `Request` cannot read it, so every copy Tessera makes is made by its class.
let api: Awaited<ReturnType<typeof loopbackServer>>;
let other: Awaited<ReturnType<typeof loopbackServer>>;
const managers: TokenManager[] = [];

beforeAll(async () => {
  api = await loopbackServer((seen, res) => {
    if (seen.path === '/a') res.writeHead(307, { Location: '/b' }).end();
    else if (seen.path === '/away') res.writeHead(307, { Location: `${other.origin}/c` }).end();
    else if (seen.authorization !== 'Bearer at-1') res.writeHead(401).end();
    else res.writeHead(200, { 'Content-Type': 'text/plain' }).end(seen.body);
  });
  other = await loopbackServer((_seen, res) => res.writeHead(200).end('other'));
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.seen.length = 0;
  other.seen.length = 0;
});
afterAll(async () => {
  await api.close();
  await other.close();
});

async function setup() {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  const fetch = withTokens(undiciFetch as unknown as typeof globalThis.fetch, counted.tokens, {
    baseUrl: api.origin,
  });
  return { fetch, ...counted };
}

describe('withTokens with a Request of npm undici, sent by its own fetch', () => {
  it('sends the token, follows a 307 with the body and replays once after the 401', async () => {
    const { fetch, fetchTokens } = await setup();
    const request = new UndiciRequest(`${api.origin}/a`, { method: 'POST', body: 'order' });
    const response = await fetch(request as unknown as Request);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('order');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.seen.map(({ path, authorization, body }) => [path, authorization, body])).toEqual([
      ['/a', 'Bearer at-0', 'order'],
      ['/b', 'Bearer at-0', 'order'],
      ['/a', 'Bearer at-1', 'order'],
      ['/b', 'Bearer at-1', 'order'],
    ]);
  });

  it('never carries the token to an origin the policy does not allow, with an init beside the Request', async () => {
    const { fetch } = await setup();
    const request = new UndiciRequest(`${api.origin}/away`, { headers: { Accept: 'text/plain' } });
    const response = await fetch(request as unknown as Request, { headers: { 'X-Trace': '1' } });
    expect(await response.text()).toBe('other');
    expect(api.seen.map(({ authorization }) => authorization)).toEqual(['Bearer at-0']);
    expect(other.seen.map(({ authorization }) => authorization)).toEqual([null]);
  });
});
