import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { discover } from './discovery/discover.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { FetchLike } from './fetch-like.js';
import { readJsonBody } from './read-json-body.js';
import { requestToken } from './token-endpoint.js';

const ISSUER = 'https://auth.example.test';
const TOKEN_URL = `${ISSUER}/oauth/token`;

afterEach(() => {
  vi.useRealTimers();
});

/**
 * A `fetch` that answers at once and ignores the abort after the headers (as msw's mocked streams and
 * some custom fetches do): its body gives a first chunk, then never ends. `cancels` counts `cancel()`.
 */
function fetchWithEndlessBody(headersAfter = 0): {
  fetch: FetchLike;
  stats: { requests: number; cancels: number };
} {
  const stats = { requests: 0, cancels: 0 };
  const fetch: FetchLike = async () => {
    stats.requests += 1;
    if (headersAfter) await new Promise((resolve) => setTimeout(resolve, headersAfter));
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{"issuer":')),
      cancel: () => {
        stats.cancels += 1;
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch, stats };
}

describe('a body still being read when the timeout fires', () => {
  it('is cancelled once a discovery lookup times out, whatever the fetch does with its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, stats } = fetchWithEndlessBody();

    const pending = discover(ISSUER, { fetch, timeout: 1_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(stats).toEqual({ requests: 1, cancels: 0 });
    await vi.advanceTimersByTimeAsync(1);

    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      `Discovery request timed out after 1000 ms — GET ${ISSUER}/.well-known/oauth-authorization-server`,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(stats).toEqual({ requests: 1, cancels: 1 });
  });

  it('is cancelled once a token request times out, whatever the fetch does with its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, stats } = fetchWithEndlessBody();

    const pending = requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch, timeout: 500 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(500);

    expect(await pending).toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(0);
    expect(stats).toEqual({ requests: 1, cancels: 1 });
  });

  it('is cancelled when its headers come after the timeout, from a fetch that ignores its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetch, stats } = fetchWithEndlessBody(2_000);

    const pending = requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch, timeout: 500 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(await pending).toBeInstanceOf(TimeoutError);
    expect(stats).toEqual({ requests: 1, cancels: 0 });
    await vi.advanceTimersByTimeAsync(1_500);

    expect(stats).toEqual({ requests: 1, cancels: 1 });
  });

  it('is destroyed once a token request times out, when it is a Node stream (node-fetch)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const body = new Readable({ read() {} });
    body.push('{"access_token":');
    const fetch = (async () => ({
      status: 200,
      headers: new Headers(),
      body,
      text: async () => '',
    })) as unknown as FetchLike;

    const pending = requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch, timeout: 500 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(500);

    expect(await pending).toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(0);
    expect(body.destroyed).toBe(true);
  });

  it('leaves no abort listener on a signal that outlives the read (a shared, never-aborted one)', async () => {
    const signal = new AbortController().signal;
    const added = vi.spyOn(signal, 'addEventListener');
    const removed = vi.spyOn(signal, 'removeEventListener');

    const json = await readJsonBody(new Response('{"a":1}'), `POST ${TOKEN_URL}`, undefined, signal);

    expect(json).toEqual({ a: 1 });
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed.mock.calls).toEqual(added.mock.calls);
  });
});
