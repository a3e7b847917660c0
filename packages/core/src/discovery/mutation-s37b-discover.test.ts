import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import type * as esm from '../index.js';
import { discover } from './discover.js';

/**
 * Mutation tests of stop 37 (`discover`'s abort reason read by brand, `isTesseraError(signal.reason)`):
 * any Tessera error of another copy of core is rethrown as it is, not only a `TimeoutError`, and so
 * when the signal aborts while the lookup is in flight. The other copy is core's built CommonJS file
 * (`pnpm --filter @tessera/core build` first, as for s37-cross-copy-abort-reason.test.ts).
 */
const cjs = createRequire(import.meta.url)('../../dist/index.cjs') as typeof esm;
const ISSUER = 'https://issuer.example.com';

describe("discover() with a signal aborted with another copy's DisposedError (its manager was disposed)", () => {
  it('already aborted: rejects with that error itself and sends nothing', async () => {
    const fetch = vi.fn(async () => Response.json({}));
    const controller = new AbortController();
    const reason = new cjs.DisposedError();
    controller.abort(reason);

    await expect(discover(ISSUER, { signal: controller.signal, fetch })).rejects.toBe(reason);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('aborted while the lookup waits for the answer: rejects with that error itself and stops the lookup', async () => {
    let lookupSignal: AbortSignal | undefined;
    const fetch = vi.fn((_url: string, init?: RequestInit) => {
      lookupSignal = init?.signal ?? undefined;
      return new Promise<Response>(() => {});
    });
    const controller = new AbortController();
    const reason = new cjs.DisposedError();
    const pending = discover(ISSUER, { signal: controller.signal, fetch });
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));

    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    expect(cjs.isTesseraError(await pending.catch((error: unknown) => error), 'DISPOSED')).toBe(true);
    expect(lookupSignal?.aborted).toBe(true);
  });
});
