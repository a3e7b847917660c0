import type { TokenEvent, TokenManager } from '@tessera/core';
import { errorCode } from './describe-event.js';
import type { RequestTimeline, TimelineInput } from './request-timeline.js';

/** Adds a row to `timeline` for every sign-in, refresh, retry, sign-out and session end of `tokens`. */
export function recordTokenEvents(timeline: RequestTimeline, tokens: TokenManager): () => void {
  return tokens.subscribe((event) => {
    const input = timelineInput(event);
    if (input) timeline.add(input);
  });
}

/** The row an event makes; `undefined` for those that say nothing about requests (`loaded`). */
export function timelineInput(event: TokenEvent): TimelineInput | undefined {
  switch (event.type) {
    case 'tokens_set':
      return { kind: 'sign-in', label: 'sign-in', accessToken: event.tokens.accessToken };
    case 'refreshed':
      return {
        kind: 'refresh',
        label: `refresh (${event.reason})`,
        status: 'ok',
        accessToken: event.tokens.accessToken,
      };
    case 'invalidated':
      return { kind: 'stale', label: 'token marked stale' };
    case 'retrying':
      return {
        kind: 'retry',
        label: `refresh failed, retry in ${Math.round(event.delay)} ms`,
        status: errorCode(event.error),
      };
    case 'refresh_failed':
      return { kind: 'refresh-failed', label: `refresh (${event.reason})`, status: errorCode(event.error) };
    case 'synced':
      return { kind: 'synced', label: 'new tokens from another tab', accessToken: event.tokens.accessToken };
    case 'cleared':
      if (event.reason === 'session_expired') return undefined; // `session_expired` has its own row
      return {
        kind: 'sign-out',
        label: event.reason === 'external' ? 'signed out in another tab' : 'sign-out',
      };
    case 'session_expired':
      return { kind: 'session-end', label: 'session ended by the server', status: errorCode(event.error) };
    case 'storage_error':
      return {
        kind: 'refresh-failed',
        label: `storage ${event.operation} failed`,
        status: errorCode(event.error),
      };
    default:
      return undefined;
  }
}
