import type { TokenEvent } from '@tessera/core';
import { errorCode } from './describe-event.js';

/** Why the sign-in screen shows, from the event that ended the session; `undefined` at start. */
export function signInNotice(event: TokenEvent | undefined): string | undefined {
  if (event?.type === 'session_expired') {
    return `Your session has ended: the server refused to renew it (${errorCode(event.error)}). Please sign in again.`;
  }
  if (event?.type === 'cleared' && event.reason === 'clear') return 'You signed out.';
  if (event?.type === 'cleared' && event.reason === 'external') return 'You signed out in another tab.';
  return undefined;
}
