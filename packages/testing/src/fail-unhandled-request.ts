import * as msw from 'msw';
import { withoutUrlSecrets } from './url-secrets.js';

/**
 * An msw `onUnhandledRequest` strategy that fails a request no handler matched, naming its method
 * and URL (query string left out, a path segment equal to a credential a server issued or knows
 * as `[REDACTED]`) but never its body.
 *
 * msw's own `'warn'` and `'error'` strategies print the request body. For a token request that is
 * the client secret, the password or the refresh token, copied into CI logs. Use this instead:
 *
 * @example
 * setupServer(...auth.handlers).listen({ onUnhandledRequest: failUnhandledRequest });
 * await worker.start({ onUnhandledRequest: failUnhandledRequest, quiet: true });
 *
 * The request fails: msw answers it with HTTP 500 and this message. Like msw's own strategies, it
 * lets a static asset (msw's `isCommonAssetRequest`: scripts, styles, images, fonts, …) through, so
 * a page under `setupWorker` still loads its own files.
 */
export function failUnhandledRequest(request: Request): void {
  // Read from the namespace: msw before 2.8 has no such export, and a named import would not load there.
  if (msw.isCommonAssetRequest?.(request)) return;
  const url = new URL(request.url);
  const query = url.search ? '?…' : '';
  const message = `[@tessera/testing] No msw handler for ${request.method} ${withoutUrlSecrets(url.origin + url.pathname)}${query}: the request failed. Its body and query are not printed: they may hold secrets.`;
  console.error(message);
  throw new Error(message);
}
