import { API, type ApiCall, describeTransportBehaviour } from '../../../test-support/transport-behaviour.js';
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

describeTransportBehaviour('@tessera/fetch', (tokens, respond, calls) => {
  const fakeFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const call: ApiCall = {
      method: request.method,
      url: request.url,
      authorization: request.headers.get('authorization'),
      body: request.body ? await request.text() : '',
    };
    calls.push(call);
    const answer = await respond(call);
    return new Response(null, { status: answer.status, headers: answer.headers ?? {} });
  };
  const api = withTokens(fakeFetch, tokens, { baseUrl: API });
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
});
