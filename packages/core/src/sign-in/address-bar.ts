import { callbackParamsOf, withoutCallbackParams } from './callback-url.js';

/**
 * Removes the callback parameters from the address bar with `history.replaceState` (no history entry),
 * if the current URL is the callback of `state` (or a callback without `state` when it is undefined).
 * A no-op outside a browser.
 */
export function cleanAddressBar(state: string | undefined): void {
  if (typeof history === 'undefined' || typeof location === 'undefined') return;
  const current = new URL(location.href);
  if (callbackParamsOf(current)?.get('state') !== (state ?? null)) return;
  const clean = withoutCallbackParams(current);
  if (clean.href !== current.href) history.replaceState(history.state, '', clean.href);
}

/** The current path, query and hash (where to return after sign-in); `/` outside a browser. */
export function currentPath(): string {
  return typeof location === 'undefined' ? '/' : `${location.pathname}${location.search}${location.hash}`;
}
