import { attachTokenManager } from '@tessera/axios';
import { TokenManager } from '@tessera/core';
import axios, { type AxiosAdapter } from 'axios';
import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});
function manager(): TokenManager {
  const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'at-1', expires_in: 300 }) });
  managers.push(tokens);
  return tokens;
}

/** The three transports, each made with `header` (and `scheme`) and asked for one request; resolves with the headers sent. */
const transports: Array<[string, (header: unknown, scheme?: unknown) => () => Promise<Headers>]> = [
  [
    'withTokens',
    (header, scheme) => {
      let sent = new Headers();
      const api = withTokens(
        async (input, init) => {
          sent = new Request(input, init).headers;
          return new Response(null);
        },
        manager(),
        { baseUrl: API, header: header as string, scheme: scheme as string },
      );
      return async () => {
        await api('orders');
        return sent;
      };
    },
  ],
  [
    'kyHooks',
    (header, scheme) => {
      let sent = new Headers();
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        sent = new Request(input, init).headers;
        return new Response(null);
      };
      const api = ky.create({
        prefixUrl: API,
        fetch,
        hooks: kyHooks(ky, manager(), { origins: API, header: header as string, scheme: scheme as string }),
      });
      return async () => {
        await api.get('orders');
        return sent;
      };
    },
  ],
  [
    'attachTokenManager',
    (header, scheme) => {
      let sent = new Headers();
      const adapter: AxiosAdapter = async (config) => {
        sent = new Headers(
          Object.entries(config.headers.toJSON()).map(([name, value]): [string, string] => [
            name,
            String(value),
          ]),
        );
        return { data: null, status: 200, statusText: 'OK', headers: {}, config, request: {} };
      };
      const api = axios.create({ baseURL: API, adapter });
      attachTokenManager(api, manager(), { header: header as string, scheme: scheme as string });
      return async () => {
        await api.get('/orders');
        return sent;
      };
    },
  ],
];

describe.each(transports)('%s: the header option', (name, make) => {
  // A name no request can carry was only found at the first request (`withTokens`: an error that
  // blamed the token), or never (axios sent it as it was).
  it.each([['X Token'], ['Authorization:'], [' Authorization'], ['Authorizé'], [''], ['  '], [42]])(
    'refuses %j when the transport is made, naming the option',
    (header) => {
      expect(() => make(header)).toThrow(
        new TypeError(`${name}(): header must be a header name such as "Authorization"`),
      );
    },
  );

  // A scheme with a space, a colon or a non-ASCII letter: axios ≥ 1.21 sent it trimmed (so the send-time
  // check no longer knew its own header), fetch refused every request.
  it.each([[' Bearer'], ['Bearer '], ['Bearer:'], ['Be arer'], ['Bearér'], [7]])(
    'refuses the scheme %j when the transport is made, naming the option',
    (scheme) => {
      expect(() => make('Authorization', scheme)).toThrow(
        new TypeError(`${name}(): scheme must be '' or an auth scheme such as "Bearer"`),
      );
    },
  );

  it.each([['Token'], ['']])('sends the token with the scheme %j', async (scheme) => {
    const sent = await make('Authorization', scheme)();
    expect(sent.get('Authorization')).toBe(scheme === '' ? 'at-1' : `${scheme} at-1`);
  });

  it.each([['X-Api-Token'], ['authorization'], ["x_token!#$%&'*+.^`|~"]])(
    'sends the token in %s',
    async (header) => {
      const sent = await make(header)();
      expect(sent.get(header)).toBe('Bearer at-1');
    },
  );
});
