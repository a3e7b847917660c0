/**
 * Checks the URL of an OAuth endpoint (token, revocation, discovery, issuer) and returns it parsed.
 * The one rule of `@tessera/core` and `@tessera/node`: an absolute `https:` URL, or `http:` to a
 * loopback host (`localhost`, `127.0.0.1`, `[::1]`), or any `http:` when `allowInsecureHttp` is set;
 * no user name or password in it (they would end up in logs), no fragment.
 *
 * @param option how the caller names the option in the message, e.g. `requestToken: tokenUrl`.
 * @param allowInsecureHttp accept `http:` to any host.
 * @throws {TypeError} saying which option is wrong and how to fix it. Never echoes the URL.
 */
export function parseEndpointUrl(value: string | URL, option: string, allowInsecureHttp = false): URL {
  const text = typeof value === 'string' || value instanceof URL ? String(value) : undefined;
  if (text === undefined || !URL.canParse(text)) {
    throw new TypeError(`${option} must be an absolute URL such as https://auth.example.com/oauth/token`);
  }
  const url = new URL(text);
  const { protocol, hostname } = url;
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TypeError(`${option} must be an https: URL, not ${protocol}`);
  }
  if (url.username || url.password) {
    throw new TypeError(
      `${option} must not contain a user name or password: pass clientId and clientSecret instead`,
    );
  }
  if (url.hash) throw new TypeError(`${option} must not have a fragment (#…)`);
  // Loopback hosts never leave the machine: `http:` to them is accepted without opting in.
  if (
    protocol === 'http:' &&
    !allowInsecureHttp &&
    hostname !== 'localhost' &&
    hostname !== '[::1]' &&
    !/^127(\.\d{1,3}){3}$/.test(hostname)
  ) {
    throw new TypeError(
      `${option} uses http: to ${hostname}, which would send credentials and tokens in clear text: use https:, or pass allowInsecureHttp: true`,
    );
  }
  return url;
}

/**
 * `parseEndpointUrl` for an issuer identifier, which has no query either (RFC 8414 §2): the one rule
 * of `discover()` and of `@tessera/node`'s `issuer` option.
 *
 * @internal
 * @throws {TypeError} as `parseEndpointUrl`, or the issuer has a query. Never echoes the URL.
 */
export function parseIssuerUrl(value: string | URL, option: string, allowInsecureHttp?: boolean): URL {
  const url = parseEndpointUrl(value, option, allowInsecureHttp);
  if (url.search) throw new TypeError(`${option} must not have a query (RFC 8414 §2)`);
  return url;
}
