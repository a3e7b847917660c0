/**
 * Where a redirect leads, by the rules every transport that follows hops itself applies (core's
 * `followRedirects`, and `@tessera/axios` for the hops of a DPoP request): `location` resolved
 * against `from`, and — when that leaves the origin — each header the hop must not carry handed to
 * `drop`: `Authorization` (unless it is one of `credentials`), `Cookie` and `Proxy-Authorization`,
 * as undici and follow-redirects drop them. The method and body change by `redirectDropsBody`.
 *
 * @param from the absolute URL the redirect answered.
 * @param credentials lower-cased header names the origin policy rules on, e.g. `['authorization', 'dpop']`.
 * @returns the next hop's URL; `undefined` at a `Location` that is not an http(s) URL (`data:`,
 *   `javascript:`, not a URL at all), where a transport fails as fetch and follow-redirects do.
 */
export function redirectTarget(
  location: unknown,
  from: string,
  credentials: readonly string[],
  drop: (name: string) => void,
): URL | undefined {
  let to: URL | undefined;
  try {
    to = new URL(location as string, from);
  } catch {}
  if (!/^https?:$/.test(to?.protocol as string)) return undefined;
  if (to!.origin !== new URL(from).origin) {
    // What undici and follow-redirects drop when a redirect leaves the origin: never sent on to another
    // origin, unless it is one of the credentials (then the origin policy decides).
    for (const name of ['authorization', 'cookie', 'proxy-authorization'])
      if (!credentials.includes(name)) drop(name);
  }
  return to;
}
