/**
 * Where a request went, for error messages: `POST https://auth.example.com/oauth/token`. Only origin
 * and path: a user name, password or query string in the URL never reaches a message.
 */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}
