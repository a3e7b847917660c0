import ky, { isHTTPError } from 'ky';
import {
  API,
  apiFetch,
  describeTransportBehaviour,
  type MakeClient,
} from '../../e2e-support/test-support/transport-behaviour.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

function stream(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

/** `withTokens` over the in-memory API; it follows the hops itself in Node. */
const withTokensClient: MakeClient = (tokens, respond, calls, setup = {}) => {
  const api = withTokens(apiFetch(respond, calls), tokens, setup.page ? {} : { baseUrl: API });
  let reason: unknown;
  const status = (promise: Promise<Response>) =>
    promise.then(
      (response) => response.status,
      (error: unknown) => {
        if (error === reason) return 'aborted' as const; // the caller's signal.reason, as it is
        throw error;
      },
    );
  return {
    get: (url, options = {}) => {
      options.signal?.addEventListener('abort', () => {
        reason = options.signal?.reason;
      });
      return status(api(url, { ...options }));
    },
    postStream: (url, chunks) =>
      status(api(url, { method: 'POST', body: stream(chunks), duplex: 'half' } as RequestInit)),
  };
};

describeTransportBehaviour('@tessera/fetch', withTokensClient, { followsRedirects: true });

describeTransportBehaviour('ky hooks', (tokens, respond, calls, setup = {}) => {
  const fakeFetch = apiFetch(respond, calls);
  const hooks = kyHooks(ky, tokens, setup.page ? {} : { origins: API });
  if (setup.page) {
    // ky hands fetch a Request: a page's Request resolves a relative URL against its base URL.
    const page = ky.create({ fetch: fakeFetch, hooks });
    const inPage = (url: string) => new URL(url, globalThis.document?.baseURI).href;
    return {
      get: (url) => page.get(inPage(url)).then((response) => response.status),
      postStream: () => Promise.reject(new Error('not used in a page')),
    };
  }
  const api = ky.create({ prefixUrl: API, fetch: fakeFetch, hooks, retry: { limit: 2 } });
  const skipping = ky.create({ prefixUrl: API, fetch: fakeFetch });
  let reason: unknown;
  const status = (promise: Promise<Response>) =>
    promise.then(
      (response) => response.status,
      (error: unknown) => {
        if (error === reason) return 'aborted' as const;
        if (isHTTPError(error)) return error.response.status;
        throw error;
      },
    );
  const relative = (url: string) => (url.startsWith('/') ? url.slice(1) : url);
  return {
    get: (url, options = {}) => {
      options.signal?.addEventListener('abort', () => {
        reason = options.signal?.reason;
      });
      const client = options.skipAuth ? skipping : api;
      const target = /^https?:/.test(url) ? url : relative(url);
      return status(
        (/^https?:/.test(url) ? ky.create({ fetch: fakeFetch, hooks }) : client).get(target, {
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    },
    postStream: (url, chunks) => status(api.post(relative(url), { body: stream(chunks) })),
  };
});
