import {
  assertKnownOptions,
  authorizationScheme,
  checkHeaderName,
  checkSenderConstraint,
  createOriginPolicy,
  headerValues,
  type OriginPolicy,
  putHeader,
  type SenderConstraint,
  type TokenSet,
} from '@tessera/core';
import { knownOptions, type WithTokensOptions, withTokensDefaults } from './with-tokens-options.js';

/** Validated options shared by `withTokens` and `kyHooks`. */
export interface TokenSettings {
  header: string;
  /** Lower-cased names of the headers that must never reach an origin the policy does not allow. */
  credentials: readonly string[];
  baseUrl: string | undefined;
  allows: OriginPolicy;
  shouldRefresh: (response: Response, scheme?: string) => boolean;
  /** The scheme a send with `set` carries its token with (`''`: the bare token), for `shouldRefresh`. */
  schemeOf: (set: TokenSet) => string;
  /**
   * `<scheme> <token>` for the token header of a send with `set` (no constraint), built and checked
   * once per set: a value no header may carry is refused here, before any send, as `headers.set` did.
   * @throws {TypeError} the header name or value cannot be sent (the message quotes neither the token nor the scheme).
   */
  headerValueOf: (set: TokenSet) => string;
  /** The `senderConstraint` option (DPoP), if any. */
  constraint: SenderConstraint | undefined;
  /** With a constraint: a fresh proof at each redirect hop we follow (`followRedirects`' `rebind`). */
  rebind: ReturnType<SenderConstraint['rebind']> | undefined;
  /**
   * The one place that builds the auth headers of a send from one `TokenSet`: `<scheme> <token>`
   * in the token header. With a `senderConstraint`, also a fresh proof for `method` and `url`
   * (asynchronous: it resolves to the proof headers it set); without, synchronous.
   * @throws {TokenTypeMismatchError} (rejects) a sender constraint and a set of another type.
   */
  authorizeRequest: (
    headers: Headers,
    set: TokenSet,
    method: string,
    url: string,
  ) => Promise<Record<string, string>> | undefined;
}

/**
 * @throws {TypeError} an unknown option (with a "did you mean"), a relative `baseUrl`, an empty
 *   `header`, or an `origins` entry that is not an origin or an unanchored RegExp.
 */
export function tokenSettings(
  options: WithTokensOptions,
  where: string,
  managerConstraint: SenderConstraint | undefined,
): TokenSettings {
  assertKnownOptions(options, knownOptions, where);
  // Else only the first 401 would tell, with "shouldRefresh is not a function".
  if (options.shouldRefresh != null && typeof options.shouldRefresh !== 'function') {
    throw new TypeError(`${where}: shouldRefresh must be a function`);
  }
  const header = checkHeaderName(options.header ?? withTokensDefaults.header, where);
  const { scheme } = options;
  const baseUrl = options.baseUrl && String(options.baseUrl); // a URL object as its href
  // Absolute: parses without a base, to an origin (`''`, `0` or `false` does not parse).
  let absolute = false;
  try {
    absolute = new URL(baseUrl as string).origin !== 'null';
  } catch {}
  if (baseUrl !== undefined && !absolute) {
    throw new TypeError(`${where}: baseUrl must be an absolute URL such as https://api.example.com/v1/`);
  }
  const constraint = checkSenderConstraint(options, where, managerConstraint);
  const lower = header.toLowerCase();
  const schemeOf = (set: TokenSet): string =>
    constraint?.scheme ?? scheme ?? authorizationScheme(set.tokenType);
  // A send may hand the value to fetch in a header record, which fetch checks itself with a
  // TypeError that quotes the value: checked here once per set, with a message that does not.
  const headerValueOf = headerValues(header, constraint?.scheme ?? scheme, where);
  return {
    header,
    credentials: lower === 'dpop' ? ['dpop'] : [lower, 'dpop'],
    baseUrl,
    allows: createOriginPolicy(options.origins, () => baseUrl),
    shouldRefresh: options.shouldRefresh ?? withTokensDefaults.shouldRefresh,
    schemeOf,
    headerValueOf,
    constraint,
    rebind: constraint?.rebind(header),
    authorizeRequest: (headers, set, method, url) => {
      if (constraint)
        return constraint.authorize(set, method, url, header, (name, value) =>
          putHeader(headers, name, value, where),
        );
      headers.set(header, headerValueOf(set));
      return undefined;
    },
  };
}
