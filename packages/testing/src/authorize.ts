import { assertKnownOptions } from './assert-known-options.js';
import { type AuthorizationResponse, responseModeOf } from './authorization-response.js';
import { checkAuthorizationRequest } from './check-authorization-request.js';
import { requestedAudience, requestedScope } from './requested-target.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';

/** Options of `auth.authorize`. */
export interface AuthorizeOptions {
  /**
   * Who signs in; must be one of the server's users.
   * @default the request's `login_hint`, else 'alice' (the first user)
   */
  username?: string;
  /**
   * Refuse instead of signing in: the callback carries this OAuth `error` (RFC 6749 §4.1.2.1, OpenID
   * Connect Core §3.1.2.6), with `state` and `iss` and no `code`, as a provider redirects when the user
   * denies consent (`access_denied`) or `prompt=none` cannot be honoured (`login_required`,
   * `consent_required`, `interaction_required`). Any code in the RFC 6749 §A.7 charset is accepted; a
   * request with its own error (no PKCE, another `response_type`) is answered with that one first.
   * No user is looked up and no code is issued.
   * @default undefined (the user signs in and consents)
   * @example auth.authorize(url, { error: 'access_denied' })
   */
  error?: string;
  /**
   * The `error_description` sent with `error` (RFC 6749 §A.8 charset); only with `error`.
   * @default undefined (none sent)
   */
  errorDescription?: string;
}

const AUTHORIZE_KEYS = Object.keys({
  username: true,
  error: true,
  errorDescription: true,
} satisfies Record<keyof AuthorizeOptions, true>);

/** RFC 6749 §A.7/§A.8: `error` and `error_description` are 1*NQSCHAR (printable ASCII but `"` and `\`). */
export const NQSCHARS = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Schemes oidc-provider 9 never registers as a `redirect_uri` (`client_schema.js`): never a callback, even
 * for a client without `redirectUris` (a `form_post` page posting to `javascript:` would run it).
 */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:']);

/** An authorization request the server refuses without redirecting (RFC 6749 §4.1.2.1). */
export class AuthorizationRequestError extends Error {
  override readonly name = 'AuthorizationRequestError';
  /**
   * @param error the OAuth `error` oidc-provider 9 shows on its error page for this request:
   *   `invalid_client`, `invalid_redirect_uri` or `invalid_request`.
   */
  constructor(
    message: string,
    readonly error: string,
  ) {
    super(message);
  }
}

/**
 * Answers an authorization request (RFC 6749 §4.1.1, PKCE S256 required as in OAuth 2.1) as if the
 * user signed in and consented at once: `code`, `state` and `iss` (RFC 9207) for `redirect_uri`, or
 * `error` for errors the client can be told of, checked as oidc-provider 9 checks them
 * (`checkAuthorizationRequest`), in the response mode oidc-provider would use (`responseModeOf`).
 * `auth.authorize` returns its `callbackUrl`; the endpoint redirects there or answers `formPostPage`.
 *
 * @throws {TypeError} an option it does not know; an `error` or `errorDescription` that is not a
 *   non-empty string of RFC 6749 §A.7 characters; an `errorDescription` without `error`.
 * @throws {AuthorizationRequestError} a request that cannot be redirected: another endpoint, an
 *   unknown client, a missing, repeated or unregistered `redirect_uri` (or one with a scheme such as
 *   `javascript:` or `data:`), a repeated `client_id`, an unknown user.
 */
export function answerAuthorization(
  context: ServerContext,
  authorizationRequest: string | URL,
  options: AuthorizeOptions = {},
): AuthorizationResponse {
  assertKnownOptions(options, AUTHORIZE_KEYS, 'auth.authorize(url, options)');
  assertErrorOptions(options);
  const url = new URL(authorizationRequest);
  const refuse = (why: string, error = 'invalid_request'): never => {
    throw new AuthorizationRequestError(`authorize: ${why}.`, error);
  };
  if (`${url.origin}${url.pathname}` !== context.authorizationUrl) {
    refuse(`expected a URL of ${context.authorizationUrl}, got one of ${url.origin}${url.pathname}`);
  }
  const query = url.searchParams;
  // oidc-provider drops a repeated parameter before it answers: without one client or redirect_uri it
  // cannot redirect, and without one state the error goes back without it.
  const repeated = (name: string): boolean => query.getAll(name).length > 1;
  if (repeated('client_id') || repeated('redirect_uri')) {
    refuse('client_id and redirect_uri must be sent once');
  }
  const clientId = query.get('client_id') ?? '';
  const client = context.clients.find((candidate) => candidate.clientId === clientId);
  // oidc-provider's error codes: a missing parameter is invalid_request, a wrong one its own code.
  if (client === undefined) {
    return refuse(
      `no client ${clientId.slice(0, 40)} on this server`,
      clientId ? 'invalid_client' : undefined,
    );
  }
  const redirectUri = query.get('redirect_uri') ?? '';
  const invalidRedirectUri = (why: string): never =>
    refuse(why, redirectUri ? 'invalid_redirect_uri' : undefined);
  if (!isAbsolute(redirectUri)) invalidRedirectUri('redirect_uri must be an absolute URL');
  const { protocol } = new URL(redirectUri);
  if (FORBIDDEN_SCHEMES.has(protocol))
    invalidRedirectUri(`redirect_uri must not use the ${protocol.slice(0, -1)} URI scheme`);
  if (client.redirectUris && !client.redirectUris.includes(redirectUri)) {
    invalidRedirectUri(`redirect_uri is not registered for client ${clientId}`);
  }
  // An empty state counts as absent, as oidc-provider treats empty parameters: not sent back.
  const state = repeated('state') ? null : query.get('state') || null;
  const mode = responseModeOf(query);
  const answer = (params: Record<string, string>): AuthorizationResponse => ({
    redirectUri,
    mode,
    params: { ...params, ...(state === null ? {} : { state }), iss: context.issuer },
  });
  const fail = (error: string, description: string): AuthorizationResponse =>
    answer({ error, error_description: description });

  let audience: string | readonly string[];
  try {
    checkAuthorizationRequest(query);
    audience = requestedAudience(query, context.resources) ?? context.audience;
  } catch (error) {
    if (error instanceof TokenEndpointError) return fail(error.error, error.message);
    throw error;
  }
  if (options.error !== undefined) {
    return answer({
      error: options.error,
      ...(options.errorDescription === undefined ? {} : { error_description: options.errorDescription }),
    });
  }
  const username = options.username ?? (query.get('login_hint') || context.users[0]?.username);
  const user = context.users.find((candidate) => candidate.username === username);
  if (user === undefined) return refuse(`no user ${String(username).slice(0, 40)} on this server`);
  const now = context.clock();
  const code = context.codes.issue({
    clientId,
    redirectUri,
    codeChallenge: query.get('code_challenge') ?? '',
    subject: user.username,
    scope: requestedScope(query),
    audience,
    nonce: query.get('nonce') ?? undefined,
    authTime: now,
    expiresAt: now + context.authorizationCodeLifetime,
  });
  context.secrets.add(code);
  return answer({ code });
}

/** Refuses an `error`/`errorDescription` a provider could not send (the value is not echoed). */
function assertErrorOptions({ error, errorDescription }: AuthorizeOptions): void {
  const where = 'auth.authorize(url, options)';
  for (const [name, value] of [
    ['error', error],
    ['errorDescription', errorDescription],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || !NQSCHARS.test(value))) {
      throw new TypeError(
        `${where}: ${name} must be a non-empty string of printable ASCII without " or \\ (RFC 6749 Appendix A), such as 'access_denied'`,
      );
    }
  }
  if (errorDescription !== undefined && error === undefined) {
    throw new TypeError(
      `${where}: errorDescription needs error, e.g. { error: 'access_denied', errorDescription }`,
    );
  }
}

function isAbsolute(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
