import { Readable } from 'node:stream';
import axios, { type AxiosAdapter, AxiosError, isCancel } from 'axios';
import {
  API,
  type ApiCall,
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

describeTransportBehaviour('@tessera/axios', (tokens, respond, calls) => {
  const adapter: AxiosAdapter = async (config) => {
    const authorization = config.headers.get('Authorization');
    const call: ApiCall = {
      method: (config.method ?? 'get').toUpperCase(),
      url: axios.getUri(config),
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
  const instance = axios.create({ baseURL: API, adapter });
  attachTokenManager(instance, tokens);
  const status = (promise: Promise<{ status: number }>) =>
    promise.then(
      (response) => response.status,
      (error: unknown) => {
        if (isCancel(error)) return 'aborted' as const;
        if (axios.isAxiosError(error) && error.response) return error.response.status;
        throw error;
      },
    );
  return {
    get: (url, options = {}) => status(instance.get(url, options)),
    postStream: (url, chunks) => status(instance.post(url, Readable.from(chunks))),
  };
});
