import { describe, expect, it } from 'vitest';
import { AbortError } from '../errors/abort-error.js';
import type { FetchLike } from '../fetch-like.js';
import { requestToken } from '../token-endpoint.js';

/**
 * Mutation tests of stop 37 (`exchange` hands the body reader its signal only when something can abort it,
 * `signal || timeout < Infinity`): a caller's `signal` alone still cancels a body being read, and
 * `timeout: Infinity` (none) without a signal reads on the shared never-aborted signal without a listener.
 */
const TOKEN_URL = 'https://auth.example.test/oauth/token';

describe("a token request with the caller's signal and no timeout", () => {
  it('cancels the body still being read when the signal aborts, whatever the fetch does with its signal', async () => {
    let cancels = 0;
    // Headers at once, then a body that never ends, and no heed of the signal (msw, some custom fetches).
    const fetch: FetchLike = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (controller) => controller.enqueue(new TextEncoder().encode('{"access_token":')),
          cancel: () => {
            cancels += 1;
          },
        }),
        { headers: { 'Content-Type': 'application/json' } },
      );
    const controller = new AbortController();
    const pending = requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'client_credentials',
      clientId: 'svc',
      clientSecret: 'secret',
      fetch,
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancels).toBe(0);

    controller.abort();

    expect(await pending).toBeInstanceOf(AbortError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancels).toBe(1);
  });
});

describe('concurrent token requests with timeout: Infinity (none) and no signal', () => {
  it('read their bodies without an abort listener each: 50 at once print no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const fetch: FetchLike = async () =>
        new Response('{"access_token":"at-1","token_type":"Bearer"}', {
          headers: { 'Content-Type': 'application/json' },
        });
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          requestToken({
            tokenUrl: TOKEN_URL,
            grantType: 'client_credentials',
            clientId: 'svc',
            clientSecret: 'secret',
            fetch,
            timeout: Infinity,
          }),
        ),
      );
      expect(answers.map((answer) => answer.access_token)).toEqual(Array(50).fill('at-1'));
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
