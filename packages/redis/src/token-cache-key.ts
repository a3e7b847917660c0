/** What a cached token is for: the same inputs name the same token set, on every replica. */
export interface TokenCacheKeyParts {
  /** The token endpoint, exactly as configured (`@tessera/node` uses the issuer when discovering). */
  tokenUrl: string | URL;
  /** The `client_id`. */
  clientId: string;
  /** Scopes, in any order: `'b a'`, `'a b'` and `['a', 'b', 'a']` name one token. @default undefined */
  scope?: string | readonly string[] | undefined;
  /** The `audience` parameter(s), in any order. @default undefined */
  audience?: string | readonly string[] | undefined;
  /** RFC 8707 resource indicator(s), in any order. @default undefined */
  resource?: string | readonly string[] | undefined;
  /**
   * Further form parameters of the token request (`@tessera/node`'s `extraParams`, core's `params`
   * besides scope, audience and resource), e.g. `{ tenant: 'acme' }`: tokens requested with other
   * parameters are other tokens. Names in any order; the values of one name in the order sent.
   * @default undefined
   */
  params?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
}

/**
 * The key of one token set, e.g. `billing@https://auth.example.com/token|orders:read write||https://orders.internal`:
 * client id, token endpoint, then scope, audience and resource, each sorted and de-duplicated, then
 * the `params` form-encoded and sorted by name if there are any (`…|tenant=acme`).
 * `%`, `|` and spaces inside a part are percent-encoded, and `@` inside the client id, so two
 * different targets never share a key; ids, endpoints and targets without those characters appear as
 * they are.
 * It is the same string `@tessera/node` uses as `TokenManager.key` for the same target, so
 * services using either share tokens. Pass it to `cache.storage(key)` and as the manager's `key`.
 */
export function tokenCacheKey(parts: TokenCacheKeyParts): string {
  const scope = canonical(listOf(parts.scope).flatMap((value) => value.split(/\s+/)));
  const list = (values: string[] | undefined): string =>
    values === undefined ? '' : values.map((value) => escapePart(value)).join(' ');
  return `${[
    // The client id ends at the first `@`, so its own `@` are escaped (decision 0405).
    `${escapePart(parts.clientId).replaceAll('@', '%40')}@${escapePart(String(parts.tokenUrl))}`,
    scope === undefined ? '' : escapePart(scope.join(' '), false),
    list(canonical(listOf(parts.audience))),
    list(canonical(listOf(parts.resource))),
  ].join('|')}${paramsPart(parts.params ?? {})}`;
}

/** `|name=value&…`, sorted by name, form-encoded (no `|` left inside); empty without parameters. */
function paramsPart(params: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const pairs = Object.keys(params)
    .sort()
    .flatMap((name) => {
      const value = params[name];
      return (typeof value === 'string' ? [value] : (value ?? [])).map((item) => [name, item]);
    });
  return pairs.length === 0 ? '' : `|${new URLSearchParams(pairs).toString()}`;
}

function listOf(value: string | readonly string[] | undefined): string[] {
  return typeof value === 'string' ? [value] : [...(value ?? [])];
}

function canonical(values: string[]): string[] | undefined {
  const unique = [...new Set(values.filter((value) => value !== ''))].sort();
  return unique.length === 0 ? undefined : unique;
}

function escapePart(value: string, spaces = true): string {
  if (!/[%| ]/.test(value)) return value;
  const escaped = value.replaceAll('%', '%25').replaceAll('|', '%7C');
  return spaces ? escaped.replaceAll(' ', '%20') : escaped;
}
