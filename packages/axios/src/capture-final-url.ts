type Fetch = (input: unknown, init?: unknown) => Promise<unknown>;

/** The URL each fetch-adapter `Request` was answered from (after redirects), keyed by that `Request`. */
const finalUrls = new WeakMap<object, string>();
/** One wrapper per underlying fetch (axios caches its fetch adapter per `env.fetch`: never one per request). */
const wrappers = new WeakMap<Fetch, Fetch>();
const ours = new WeakSet<Fetch>();
/** Wraps the global `fetch`, looked up at call time as axios does. */
let globalWrapper: Fetch | undefined;

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
  if (own === undefined) {
    if (typeof globalThis.fetch !== 'function') return; // no fetch adapter here: nothing to wrap
    globalWrapper ??= wrap((input, init) => globalThis.fetch(input as Request, init as RequestInit));
    config.env = { ...env, fetch: globalWrapper };
    return;
  }
  if (typeof own !== 'function' || ours.has(own as Fetch)) return;
  let wrapper = wrappers.get(own as Fetch);
  if (!wrapper) {
    wrapper = wrap(own as Fetch);
    wrappers.set(own as Fetch, wrapper);
  }
  config.env = { ...env, fetch: wrapper };
}

/** The URL the fetch adapter's `request` was answered from, when it was captured and is not empty. */
export function finalUrlOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const url = finalUrls.get(request);
  return url === '' ? undefined : url;
}

function wrap(fetch: Fetch): Fetch {
  const wrapper: Fetch = (input, init) =>
    Promise.resolve(fetch(input, init)).then((response) => {
      const url = (response as { url?: unknown } | null)?.url;
      if (typeof input === 'object' && input !== null && typeof url === 'string') {
        finalUrls.set(input, url);
      }
      return response;
    });
  ours.add(wrapper);
  return wrapper;
}
