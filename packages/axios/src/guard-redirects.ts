import type { OriginPolicy } from '@tessera/core';

/** What follow-redirects hands to `beforeRedirect`: the options of the next hop. */
interface RedirectOptions {
  href?: unknown;
  headers?: Record<string, unknown>;
}

type BeforeRedirect = (options: RedirectOptions, response: unknown, request?: unknown) => void;

const USER_HOOK: unique symbol = Symbol('@tessera/axios user beforeRedirect');

type Guard = BeforeRedirect & { [USER_HOOK]?: BeforeRedirect | undefined };

/**
 * Makes axios's http adapter (follow-redirects) re-check the origin policy on every redirect hop:
 * when the next hop's origin is not allowed, the credential headers are deleted (any spelling) and
 * the request's record is marked withheld, so a 401 from there never refreshes. Chains the caller's own
 * `beforeRedirect`, which runs first: the policy has the last word. Other adapters ignore the hook
 * (fetch and XHR strip `Authorization` on cross-origin redirects themselves).
 */
export function guardRedirects(
  config: { beforeRedirect?: unknown },
  allows: OriginPolicy,
  credentials: readonly string[],
  record: { withheld?: boolean },
): void {
  const previous = config.beforeRedirect as Guard | undefined;
  const user = previous && USER_HOOK in previous ? previous[USER_HOOK] : previous;
  const guard: Guard = (options, response, request) => {
    if (typeof user === 'function') user(options, response, request);
    if (allows(nextHop(options), undefined)) return;
    const headers = options.headers;
    if (headers && typeof headers === 'object') {
      for (const key of Object.keys(headers)) {
        if (credentials.includes(key.toLowerCase())) delete headers[key];
      }
    }
    record.withheld = true;
  };
  guard[USER_HOOK] = typeof user === 'function' ? user : undefined;
  config.beforeRedirect = guard;
}

/** Whether `beforeRedirect` is a guard `guardRedirects` put on (of any attachment). */
export function isRedirectGuard(beforeRedirect: unknown): boolean {
  return typeof beforeRedirect === 'function' && USER_HOOK in beforeRedirect;
}

/** The next hop's URL (follow-redirects sets `href`); an empty string, never allowed, when missing. */
function nextHop(options: RedirectOptions): string {
  return typeof options.href === 'string' ? options.href : '';
}
