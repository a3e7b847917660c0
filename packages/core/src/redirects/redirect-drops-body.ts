/** The headers a redirect that drops the body drops with it, as the Fetch standard does. */
export const BODY_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/**
 * Whether a redirect with `status` turns a request with `method` into a GET without a body, as the
 * Fetch standard says: a 303 (except for HEAD), and a 301 or 302 of a POST. Otherwise the next hop
 * repeats the method and the body. The one rule of every transport that follows hops itself.
 */
export function redirectDropsBody(status: number, method: string): boolean {
  const upper = method.toUpperCase();
  return status === 303 ? upper !== 'HEAD' : status <= 302 && upper === 'POST';
}
