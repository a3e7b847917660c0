import type { OriginPolicy } from '@tessera/core';
import { getHeader } from './request-headers.js';

/** What follow-redirects hands to `beforeRedirect`: the options of the next hop. */
interface RedirectOptions {
  href?: unknown;
  headers?: Record<string, unknown>;
}

type BeforeRedirect = (options: RedirectOptions, response: unknown, request?: unknown) => void;

/**
 * On a guard: the caller's own hook, and one check per attachment (its `credentials`, one array per
 * attachment, is the key): plain arrays, made once per request (no Map, no closure per check).
 */
const GUARDED: unique symbol = Symbol('@tessera/axios redirect guard');

type Check = readonly [credentials: readonly string[], allows: OriginPolicy, record: { withheld?: boolean }];

type Guard = BeforeRedirect & { [GUARDED]?: readonly [user: unknown, checks: readonly Check[]] };

/** A caller's `transport` (axios calls only its `request`); ours holds the caller's under {@link GUARDED}. */
interface Transport {
  request(options: { beforeRedirects?: object; followRedirects?: boolean }, done: unknown): unknown;
  [GUARDED]?: Transport;
}

/**
 * Makes axios's http adapter (follow-redirects) re-check the origin policy on every redirect hop:
 * when the next hop's origin is not allowed, the credential headers are deleted (any spelling) and
 * the request's record is marked withheld, so a 401 from there never refreshes; marked withheld too
 * when the token header (`credentials[0]`) is already gone (follow-redirects drops `Authorization`
 * at a host change, or your `beforeRedirect` deleted it). Chains the caller's own
 * `beforeRedirect`, which runs first: the policies have the last word. One guard per request holds
 * the check of every attachment (`credentials`, one array per attachment, is the key): called again
 * for the same attachment (a replay, a hook put back), it replaces that attachment's check, keeping
 * the others', never nesting. Other adapters ignore the hook (fetch and XHR strip `Authorization` on
 * cross-origin redirects themselves).
 */
export function guardRedirects(
  config: { beforeRedirect?: unknown; transport?: unknown; maxRedirects?: number },
  allows: OriginPolicy,
  credentials: readonly string[],
  record: { withheld?: boolean },
): void {
  const guarded = (config.beforeRedirect as Guard | undefined)?.[GUARDED];
  const user = guarded ? guarded[0] : config.beforeRedirect;
  const transport = config.transport as Transport | undefined;
  const checks: Check[] = [];
  for (const check of guarded?.[1] ?? []) {
    if (check[0] !== credentials) checks.push(check);
    // This request's guard already holds this check (the send-time recheck of a config an interceptor
    // returned): the same guard would be made again; only a caller's `transport` is wrapped anew.
    else if (check[2] === record && transport === undefined) return;
  }
  checks.push([credentials, allows, record]);
  const guard: Guard = (options, response, request) => {
    if (typeof user === 'function') user(options, response, request);
    for (const check of checks) checkHop(options, check);
  };
  guard[GUARDED] = [user, checks];
  config.beforeRedirect = guard;
  // With a `transport` of the caller's (follow-redirects itself, say) axios hands `beforeRedirect` to
  // no one: ours puts the guard where axios's own hook (`dispatchBeforeRedirect`) calls it. It ignores
  // `maxRedirects: 0` too (`takeOverRedirects`' for a proof per hop, or yours): follow-redirects then
  // hands the 3xx back.
  if (typeof transport?.request === 'function') {
    const inner = transport[GUARDED] ?? transport; // a replay's: never nested
    config.transport = {
      [GUARDED]: inner,
      request: (options, done) => {
        options.beforeRedirects = { ...options.beforeRedirects, config: guard };
        if (config.maxRedirects === 0) options.followRedirects = false;
        return inner.request(options, done);
      },
    } satisfies Transport;
  }
}

/**
 * One attachment's check of a redirect hop: its credential headers deleted (any spelling) and its
 * record marked withheld when the hop's origin is not allowed or the token header is already gone.
 */
function checkHop(options: RedirectOptions, [credentials, allows, record]: Check): void {
  // follow-redirects drops `Authorization` at a host change before this runs, even where the
  // policy allows: from there on, a 401 says nothing about the token.
  if (
    // follow-redirects sets `href`; missing: an empty string, never allowed.
    allows(typeof options.href === 'string' ? options.href : '', undefined) &&
    getHeader(options.headers, credentials[0] as string) !== undefined
  )
    return;
  const headers = options.headers;
  if (headers && typeof headers === 'object') {
    for (const key of Object.keys(headers)) {
      if (credentials.includes(key.toLowerCase())) delete headers[key];
    }
  }
  record.withheld = true;
}
