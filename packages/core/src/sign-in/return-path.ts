/**
 * `returnTo` as a path on the app's `origin` (path, query and hash), or `/` when it names another
 * origin or scheme: `//evil.example`, `https://evil.example`, `/\evil.example`, `javascript:…`. A
 * path that starts with several slashes keeps one, so an app that passes the result to
 * `location.assign` or a router cannot be sent off-site (an open redirect through sign-in). The
 * scheme and host are compared, not `origin`: a `blob:` URL has the origin of the URL inside it.
 */
export function returnPathOf(returnTo: string, origin: string): string {
  const url = URL.canParse(returnTo, `${origin}/`) ? new URL(returnTo, `${origin}/`) : undefined;
  return url && `${url.protocol}//${url.host}` === origin
    ? `${url.pathname.replace(/^\/+/, '/')}${url.search}${url.hash}`
    : '/';
}
