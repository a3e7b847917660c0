import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FetchLike } from './fetch-like.js';
import { readJsonBody } from './read-json-body.js';
import { requestToken } from './token-endpoint.js';

/**
 * A token request without `signal` and `timeout` runs on one signal shared by every such request,
 * which nothing can abort (`withTimeout`): a body read that listened to it added a listener per
 * request in flight, and Node warned of a memory leak from the 11th (decision 0805, stop 37).
 */
describe('concurrent token requests that nothing can abort', () => {
  it('read their bodies without an abort listener each: 50 at once print no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      // A fetch that answers at once (msw, a custom fetch): no listener of its own, no raised limit.
      const fetch: FetchLike = async () =>
        new Response('{"access_token":"at-1","token_type":"Bearer"}', {
          headers: { 'Content-Type': 'application/json' },
        });
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          requestToken({
            tokenUrl: 'https://auth.example.test/oauth/token',
            grantType: 'client_credentials',
            clientId: 'svc',
            clientSecret: 'secret',
            fetch,
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

describe('a Node stream body whose destroy() errors (node-fetch and custom streams), cancelled', () => {
  /** A body that gave a first chunk and never ends, whose `_destroy` calls back with an error. */
  const failingBody = () =>
    new Readable({
      read() {},
      destroy(_error, callback) {
        callback(new Error('destroy failed'));
      },
    });
  const response = (body: Readable, length?: number) =>
    ({
      status: 200,
      headers: new Headers(length ? { 'content-length': String(length) } : {}),
      body,
    }) as never;

  it('raises no uncaught exception when aborted mid-read, before the read, or cut at 1 MiB', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const midRead = failingBody();
      midRead.push('{"access_token":');
      const controller = new AbortController();
      const reading = readJsonBody(
        response(midRead),
        'POST https://auth.example.test/token',
        undefined,
        controller.signal,
      );
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      await expect(reading).rejects.toThrow('destroy failed');

      await expect(
        readJsonBody(
          response(failingBody()),
          'POST https://auth.example.test/token',
          undefined,
          AbortSignal.abort(),
        ),
      ).rejects.toThrow('destroy failed');

      const long = failingBody();
      long.push('x'.repeat((1 << 20) + 1));
      await expect(
        readJsonBody(response(long), 'POST https://auth.example.test/token'),
      ).rejects.toMatchObject({
        name: 'MalformedResponseError',
        reason: 'too_large',
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
