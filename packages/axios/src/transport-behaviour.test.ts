import { Readable } from 'node:stream';
import axios, { type AxiosAdapter, AxiosError, isCancel } from 'axios';
import {
  API,
  type ApiCall,
  apiFetch,
  describeTransportBehaviour,
} from '../../e2e-support/test-support/transport-behaviour.js';
import { attachTokenManager } from './attach-token-manager.js';

async function bodyText(data: unknown): Promise<string> {
  if (data instanceof Readable) {
    let text = '';
    for await (const chunk of data) text += String(chunk);
    return text;
  }
  return typeof data === 'string' ? data : '';
}

/** The status axios answered with (a rejected one included), `'aborted'`, or the error without a response. */
const status = (promise: Promise<{ status: number }>) =>
  promise.then(
    (response) => response.status,
    (error: unknown) => {
      if (isCancel(error)) return 'aborted' as const;
      if (axios.isAxiosError(error) && error.response) return error.response.status;
      throw error;
    },
  );

describeTransportBehaviour('@tessera/axios', (tokens, respond, calls, setup = {}) => {
  const adapter: AxiosAdapter = async (config) => {
    const authorization = config.headers.get('Authorization');
    const call: ApiCall = {
      method: (config.method ?? 'get').toUpperCase(),
      url: new URL(axios.getUri(config), globalThis.document?.baseURI).href, // as XHR resolves it
      authorization: typeof authorization === 'string' ? authorization : null,
      body: await bodyText(config.data),
    };
    calls.push(call);
    const answer = await respond(call);
    const response = {
      data: null,
      status: answer.status,
      statusText: '',
      headers: { ...answer.headers },
      config,
      request: {},
    };
    if (answer.status < 400) return response;
    throw new AxiosError('Request failed', 'ERR_BAD_REQUEST', config, {}, response);
  };
  const instance = axios.create({ ...(setup.page ? {} : { baseURL: API }), adapter });
  attachTokenManager(instance, tokens);
  return {
    get: (url, options = {}) => status(instance.get(url, options)),
    postStream: (url, chunks) => status(instance.post(url, Readable.from(chunks))),
  };
});

describeTransportBehaviour(
  '@tessera/axios, fetch adapter',
  (tokens, respond, calls, setup = {}) => {
    // axios's own fetch adapter over the in-memory API: Tessera's env.fetch wrapper follows the hops.
    const instance = axios.create({
      ...(setup.page ? {} : { baseURL: API }),
      adapter: 'fetch',
      env: { fetch: apiFetch(respond, calls) },
    });
    attachTokenManager(instance, tokens);
    const encoder = new TextEncoder();
    return {
      get: (url, options = {}) => status(instance.get(url, options)),
      postStream: (url, chunks) =>
        status(
          instance.post(
            url,
            new ReadableStream<Uint8Array>({
              start(controller) {
                for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
                controller.close();
              },
            }),
          ),
        ),
    };
  },
  { followsRedirects: true, inPage: false },
);
