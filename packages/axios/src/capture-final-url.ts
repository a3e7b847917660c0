type Fetch = (input: unknown, init?: unknown) => unknown;

/** The URL each fetch-adapter `Request` was answered from (after redirects), keyed by that `Request`. */
const finalUrls = new WeakMap<object, string>();
/**
 * One wrapper per underlying fetch, and each wrapper to itself (never wrapped twice): axios caches
 * its fetch adapter per `env.fetch`, so never one per request.
 */
const wrappers = new WeakMap<object, Fetch>();
/** The global `fetch`, looked up at call time as axios does. */
const globalFetch: Fetch = (input, init) => globalThis.fetch(input as Request, init as RequestInit);

/**
 * Makes axios's fetch adapter (axios ≥ 1.12, which takes `config.env.fetch`) tell where the
 * response came from: `config.env.fetch` becomes a wrapper of the fetch axios would use (the
 * caller's `env.fetch`, else the global `fetch`) that calls it with the same arguments, returns its
 * response untouched, and notes `response.url` against the `Request` axios passed — the one axios
 * puts on `error.request`. Older axios and the other adapters ignore `env.fetch`.
 */
export function captureFinalUrl(config: { env?: unknown }): void {
  const env = (config.env ?? {}) as { fetch?: unknown };
  const own = Object.hasOwn(env, 'fetch') ? env.fetch : undefined;
  const fetch = own ?? (typeof globalThis.fetch === 'function' ? globalFetch : undefined);
  if (typeof fetch !== 'function') return; // no fetch here, or not one axios could call
  let wrapper = wrappers.get(fetch);
  if (!wrapper) {
    const wrapped: Fetch = (input, init) =>
      Promise.resolve((fetch as Fetch)(input, init)).then((response) => {
        const url = (response as { url?: unknown } | null)?.url;
        if (typeof input === 'object' && input !== null && typeof url === 'string') {
          finalUrls.set(input, url);
        }
        return response;
      });
    wrapper = wrapped;
    wrappers.set(fetch, wrapped);
    wrappers.set(wrapped, wrapped);
  }
  config.env = { ...env, fetch: wrapper };
}

/** The URL the fetch adapter's `request` was answered from, when the wrapper saw it. */
export function finalUrlOf(request: unknown): string | undefined {
  return finalUrls.get(request as object);
}
