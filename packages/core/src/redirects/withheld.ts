/** Responses that came after a hop the credential headers were deleted for. */
export const withheld: WeakSet<Response> = new WeakSet();

/**
 * Whether `response` came from where the credentials were withheld: `followRedirects` deleted the
 * credential headers at a redirect hop the origin policy does not allow. Its 401 says nothing about
 * the token, so a transport must neither invalidate the token nor refresh for it.
 */
export function isWithheld(response: Response): boolean {
  return withheld.has(response);
}
