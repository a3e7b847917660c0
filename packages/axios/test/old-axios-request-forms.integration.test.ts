import type { TokenManager } from '@tessera/core';
import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import axios17 from 'axios-1-7';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';
import { attachTokenManager } from '../src/attach-token-manager.js';

// Two request forms, on every axios the repo has (1.7.9 below the floor, 1.12.0 the floor, the newest)
// and both Node adapters, against real servers on 127.0.0.1: what each server received, header by
// header as it came over the wire (`rawHeaders`), so a second Authorization line would show.
let api: LoopbackOrigin;
let other: LoopbackOrigin;
/** Every Authorization line of each request, in arrival order, with the origin that received it. */
const lines: Array<[origin: string, authorization: string[]]> = [];
const managers: TokenManager[] = [];

const authorizationLines = (raw: string[]) =>
  raw.flatMap((name, i) => (i % 2 === 0 && name.toLowerCase() === 'authorization' ? [raw[i + 1] ?? ''] : []));

beforeAll(async () => {
  api = await loopbackServer((_seen, res, req) => {
    lines.push([api.origin, authorizationLines(req.rawHeaders)]);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  other = await loopbackServer((_seen, res, req) => {
    lines.push([other.origin, authorizationLines(req.rawHeaders)]);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
});
afterAll(async () => {
  await api.close();
  await other.close();
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  lines.length = 0;
});

type Create = (config: CreateAxiosDefaults) => AxiosInstance;
const versions = [
  ['axios 1.7.9', '1.7', axios17.create.bind(axios17) as unknown as Create],
  ['axios 1.12.0', '1.12', axios112.create.bind(axios112) as unknown as Create],
  ['newest axios', 'newest', axios.create.bind(axios)],
] as const;
const cases = versions.flatMap(([name, version, create]) =>
  (['http', 'fetch'] as const).map((adapter) => [name, adapter, version, create] as const),
);

/** What a request ended with: the status, or the error's name when axios sent nothing. */
const outcome = (request: Promise<{ status: number }>) =>
  request.then(
    (response) => response.status,
    (error: Error) => error.name,
  );

describe.each(cases)('%s, the %s adapter', (_name, adapter, version, create) => {
  async function setup(base: string) {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const client = create({ baseURL: base, adapter });
    attachTokenManager(client, counted.tokens, { origins: api.origin });
    return { client, fetchTokens: counted.fetchTokens };
  }

  it('a URL object as url with a per-request baseURL: the token goes only where this axios sends it', async () => {
    const { client, fetchTokens } = await setup(api.origin);
    const sent = [
      // To the API, over another baseURL; to another origin, over the API's baseURL.
      await outcome(client.get(new URL(`${api.origin}/orders`) as never, { baseURL: `${other.origin}/v1` })),
      await outcome(client.get(new URL(`${other.origin}/x`) as never, { baseURL: `${api.origin}/v1` })),
    ];
    if (version === 'newest') {
      // axios ≥ 1.18 cannot combine a URL object with a baseURL: it throws and sends nothing.
      expect(sent).toEqual(['TypeError', 'TypeError']);
      expect(lines).toEqual([]);
    } else {
      // 1.7 and 1.12 take the URL object as absolute, over baseURL.
      expect(sent).toEqual([200, 200]);
      expect(lines).toEqual([
        [api.origin, ['Bearer at-0']],
        [other.origin, []],
      ]);
    }
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a plain-object headers with a lowercase authorization the caller set: one Authorization line, the caller’s', async () => {
    const { client, fetchTokens } = await setup(api.origin);
    await client.get('/orders', { headers: { authorization: 'Basic Y2FsbGVyOnB3' } });
    client.defaults.headers.common.authorization = 'Basic ZGVmYXVsdDpwdw==';
    await client.get('/orders');
    delete client.defaults.headers.common.authorization;
    // `undefined` is no header at all: the token, once.
    await client.get('/orders', { headers: { authorization: undefined } });
    expect(lines).toEqual([
      [api.origin, ['Basic Y2FsbGVyOnB3']],
      [api.origin, ['Basic ZGVmYXVsdDpwdw==']],
      [api.origin, ['Bearer at-0']],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('an interceptor after ours that adds a lowercase authorization to a plain-object copy: one line, the caller’s', async () => {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const client = create({ baseURL: api.origin, adapter });
    // Registered first, so it runs after ours: it sees our `Authorization` and adds its own in lower case.
    client.interceptors.request.use((config) => {
      config.headers = { ...config.headers, authorization: 'Basic Y2FsbGVyOnB3' } as never;
      return config;
    });
    attachTokenManager(client, counted.tokens, { origins: api.origin });
    await client.get('/orders');
    expect(lines).toEqual([[api.origin, ['Basic Y2FsbGVyOnB3']]]);
  });
});
