/** RFC 9110 §5.6.2: a token (`tchar`s, ASCII only): a field name (§5.1), an auth scheme (§11.1). */
export const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/;

/**
 * The `header` option of a transport (`attachTokenManager`, `withTokens`, `kyHooks`): returned as it
 * is when it is a header name, so a name no request can carry (`'X Token'`, `'Authorization:'`, `''`)
 * is refused when the transport is made, not at each request with an error that blames the token.
 *
 * @throws {TypeError} `header` is not a string that is a header name.
 */
export function checkHeaderName(header: unknown, where: string): string {
  if (typeof header !== 'string' || !TOKEN.test(header)) {
    throw new TypeError(`${where}: header must be a header name such as "Authorization"`);
  }
  return header;
}
