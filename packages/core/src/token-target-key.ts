/** What a token is requested for, and by which client: the same parts name the same token set. */
export interface TokenTargetKeyParts {
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

/** A target in canonical form: sorted, de-duplicated, empty parts absent. */
export interface CanonicalTarget {
  /** The scopes, sorted and joined by one space. */
  scope: string | undefined;
  audience: readonly string[] | undefined;
  resource: readonly string[] | undefined;
}

/**
 * The canonical form of a target: scopes split on ASCII whitespace (a no-break space is no
 * delimiter: RFC 6749 §3.3 separates scopes by spaces), de-duplicated and sorted; audiences
 * and resources de-duplicated and sorted; empty values dropped. Two targets asking for the same
 * token normalise alike, and `tokenTargetKey` of a canonical target is the key of the original.
 *
 * @example
 * canonicalTarget({ scope: 'write  read read', audience: ['b', 'a'] });
 * // { scope: 'read write', audience: ['a', 'b'], resource: undefined }
 */
export function canonicalTarget(
  target: Pick<TokenTargetKeyParts, 'scope' | 'audience' | 'resource'>,
): CanonicalTarget {
  const scopes = canonical(listOf(target.scope).flatMap((value) => value.split(/[\t\n\f\r ]+/)));
  return {
    scope: scopes?.join(' '),
    audience: canonical(listOf(target.audience)),
    resource: canonical(listOf(target.resource)),
  };
}

/**
 * The key of one token set, the one format `@tessera/node` (its managers' `key`) and
 * `@tessera/redis` (`tokenCacheKey`) share: `client@endpoint|scope|audience|resource`, each part of
 * the target in canonical form (see `canonicalTarget`), then `|` and the `params` form-encoded and
 * sorted by name if there are any. `%`, `|` and spaces inside a part are percent-encoded, and `@`
 * inside the client id, so two different targets never share a key; ids, endpoints and targets
 * without those characters appear as they are (decisions 0403, 0405, 0406).
 *
 * With `digest`, a key whose parts may carry a secret — `params` (an API key in `extraParams`), or an
 * endpoint with a query, fragment or user info (`?api_key=…`, `https://user:pass@…`) — names them
 * only through `digest` of that full key: `client@origin/path|scope|audience|resource|#<digest>`.
 * Keys then never hold a secret in any encoding, yet two configurations still share a key exactly
 * when their full keys are equal. `@tessera/node` and `@tessera/redis` pass SHA-256 in base64url
 * (decision 0407); keys without such parts stay as they are.
 *
 * @example
 * tokenTargetKey({ tokenUrl: 'https://auth.example.com/token', clientId: 'billing', scope: 'write read' });
 * // 'billing@https://auth.example.com/token|read write||'
 * tokenTargetKey({ tokenUrl, clientId: 'billing', audience: 'orders', params: { tenant: 'acme' } });
 * // 'billing@https://auth.example.com/token||orders||tenant=acme'
 */
export function tokenTargetKey(parts: TokenTargetKeyParts, digest?: (key: string) => string): string {
  const { scope, audience, resource } = canonicalTarget(parts);
  const list = (values: readonly string[] | undefined): string =>
    values === undefined ? '' : values.map((value) => escapePart(value)).join(' ');
  const endpoint = String(parts.tokenUrl);
  const params = paramsPart(parts.params ?? {});
  const key = (server: string, rest: string): string =>
    `${[
      // The client id ends at the first `@`, so its own `@` are escaped (decision 0405).
      `${escapePart(parts.clientId).replaceAll('@', '%40')}@${escapePart(server)}`,
      // Scopes never contain spaces, so the joined scope string only needs its `%` and `|` escaped.
      scope === undefined ? '' : escapePart(scope, false),
      list(audience),
      list(resource),
    ].join('|')}${rest}`;
  const full = key(endpoint, params);
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  const userInfo = url ? url.username !== '' || url.password !== '' : endpoint.includes('@');
  if (!digest || (params === '' && !userInfo && !/[?#]/.test(endpoint))) return full;
  // Form-encoded params never start with `#`: a digested key never equals an undigested one.
  return key(url ? url.origin + url.pathname : '', `|#${digest(full)}`);
}

/** `|name=value&…`, sorted by name, form-encoded (no `|` left inside); empty without parameters. */
function paramsPart(params: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const pairs = Object.keys(params)
    .sort()
    .flatMap((name) => {
      const value = params[name];
      return (typeof value === 'string' ? [value] : (value ?? [])).map((item) => [name, item]);
    });
  // Form encoding escapes `|`, `%`, `&` and `=`: the part never runs into the others.
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
