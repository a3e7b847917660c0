import type { TokenManager } from '@tessera/core';
import { decodeJwt } from 'jose';
import { formatDuration } from './format-duration.js';
import type { Timeline } from './timeline.js';

/** What `watchTokens` saw. */
export interface TokenWatch {
  /** For each refresh: when (epoch ms), why, and how long the replaced token still had to live (ms, from its JWT `exp`). */
  readonly refreshes: { at: number; reason: string; leftMs: number | undefined }[];
  stop(): void;
}

/**
 * Prints every token a service obtains and why, and how long the token it replaced still had to live.
 * @param clock the time the services go by, epoch ms. @default Date.now
 */
export function watchTokens(
  tokens: TokenManager,
  timeline: Timeline,
  service: string,
  clock: () => number = Date.now,
): TokenWatch {
  let count = 0;
  let previous = tokens.peekTokens()?.accessToken;
  const refreshes: TokenWatch['refreshes'] = [];
  const stop = tokens.subscribe((event) => {
    if (event.type === 'refreshed') {
      count += 1;
      const at = clock();
      const leftMs = previous === undefined ? undefined : expiryOf(previous) - at;
      previous = event.tokens.accessToken;
      refreshes.push({ at, reason: event.reason, leftMs });
      const why =
        leftMs === undefined
          ? 'first token'
          : event.reason === 'invalidated'
            ? 'the previous one was refused with 401'
            : `ahead of expiry: the previous one still had ${formatDuration(leftMs)} to live`;
      timeline.event('orders', `${service} now holds token #${count} (${why})`);
    } else if (event.type === 'refresh_failed') {
      const code = (event.error as { error?: string; code?: string }).error ?? 'an error';
      timeline.event('orders', `${service} could not get a token: ${code}`);
    } else if (event.type === 'retrying') {
      timeline.event('orders', `${service} retries its token request in ${formatDuration(event.delay)}`);
    }
  });
  return { refreshes, stop };
}

/** Expiry of a JWT access token from its `exp` claim, epoch ms. */
function expiryOf(accessToken: string): number {
  const { exp } = decodeJwt(accessToken);
  return exp === undefined ? Number.POSITIVE_INFINITY : exp * 1000;
}
