/**
 * The headers each response `followRedirects` followed to was asked with (its hop's, after
 * `rebind`), recorded only when it was given a `rebind`: `proofSentFor` reads them, and only a
 * sender constraint asks, so an app without one keeps no entry and carries no reader.
 */
export const hopHeaders: WeakMap<Response, Headers> = new WeakMap();
