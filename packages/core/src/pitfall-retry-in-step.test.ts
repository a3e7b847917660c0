import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from './errors/http-error.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

/**
 * The catalogue's "No backoff": fleets of services hammering a rate-limited token endpoint into a
 * crash loop (camunda#44815). Jitter must be on without any option: a fleet that never configured
 * `retry` must not retry in step.
 */

const managers: TokenManager[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** When (fake ms after the first request) a manager with the default `retry` sends its second one, given `Math.random()`. */
async function secondRequestAfter(random: number): Promise<number> {
  vi.spyOn(Math, 'random').mockReturnValue(random);
  const sentAt: number[] = [];
  let calls = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    sentAt.push(Date.now());
    calls += 1;
    if (calls === 1) throw new HttpError(503, 'POST https://auth.example.com/token');
    return { access_token: 'fresh', expires_in: 3600 };
  });
  const tokens = new TokenManager({ fetchTokens });
  managers.push(tokens);
  const token = tokens.getAccessToken();
  await vi.runAllTimersAsync();
  expect(await token).toBe('fresh');
  expect(sentAt).toHaveLength(2);
  return (sentAt[1] as number) - (sentAt[0] as number);
}

describe('the default retry policy', () => {
  it('spreads the first retry of a fleet with jitter: 200 ms × (1 + Math.random())', async () => {
    expect(await secondRequestAfter(0)).toBe(200);
    expect(await secondRequestAfter(0.5)).toBe(300);
    expect(await secondRequestAfter(0.99)).toBe(398);
  });
});
