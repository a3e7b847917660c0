import { isResponseMode } from './authorization-response.js';
import { rejectRepeatedParameters } from './form-body.js';
import { assertScopeSyntax } from './requested-target.js';
import { TokenEndpointError } from './token-endpoint-error.js';

/**
 * The parameters oidc-provider 9 reads at the authorization endpoint (its `PARAM_LIST`, plus RFC 8707
 * `resource`): each may appear once, but `resource`; the others are ignored, repeated or not.
 */
const AUTHORIZATION_PARAMETERS = [
  'acr_values',
  'claims_locales',
  'client_id',
  'code_challenge',
  'code_challenge_method',
  'display',
  'id_token_hint',
  'login_hint',
  'max_age',
  'nonce',
  'prompt',
  'redirect_uri',
  'registration',
  'request',
  'request_uri',
  'resource',
  'response_mode',
  'response_type',
  'scope',
  'state',
  'ui_locales',
] as const;

/** oidc-provider 9's default `responseTypes`; a client registered for `code` may use only `code`. */
const RESPONSE_TYPES = new Set(['code id_token', 'code', 'id_token', 'none']);
const PROMPTS = new Set(['none', 'login', 'consent']);
/** RFC 7636 §4.2: BASE64URL(SHA-256(verifier)) is 43 characters; the grammar allows 43–128 unreserved. */
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]+$/;

const refuse = (error: string, description: string): never => {
  throw new TokenEndpointError(400, error, description);
};

/**
 * Checks an authorization request whose client and `redirect_uri` are known, in oidc-provider 9's
 * order and with its `error` codes: repeated parameters, request objects (not supported), an unknown
 * `response_mode` (or `query` for a `response_type` with `token`), a `response_type` it does not
 * support or the client may not use (only `code`), an unknown or mixed `prompt`, `scope` syntax,
 * PKCE (S256 only, RFC 7636's `code_challenge` format). Empty parameters count as absent.
 * @throws {TokenEndpointError} the OAuth error the client is redirected with.
 */
export function checkAuthorizationRequest(query: URLSearchParams): void {
  rejectRepeatedParameters(query, AUTHORIZATION_PARAMETERS);
  if (query.get('request')) refuse('request_not_supported', 'request objects are not supported');
  if (query.get('request_uri')) refuse('request_uri_not_supported', 'request_uri is not supported');
  const responseMode = query.get('response_mode');
  const responseType = query.get('response_type');
  if (responseMode && !isResponseMode(responseMode)) {
    refuse('unsupported_response_mode', 'unsupported response_mode requested');
  }
  if (responseMode === 'query' && responseType?.includes('token')) {
    refuse('invalid_request', 'requested response_mode is not allowed for the requested response_type');
  }
  if (!responseType) refuse('invalid_request', "missing required parameter 'response_type'");
  // oidc-provider sorts the space-separated values and drops repeats before it compares.
  const normalised = [...new Set(responseType?.split(' '))].sort().join(' ');
  if (!RESPONSE_TYPES.has(normalised)) {
    refuse('unsupported_response_type', 'unsupported response_type requested');
  }
  if (normalised !== 'code') {
    refuse('invalid_request', 'requested response_type is not allowed for this client');
  }
  const prompt = query.get('prompt');
  if (prompt) {
    const prompts = new Set(prompt.split(' '));
    if (![...prompts].every((item) => PROMPTS.has(item))) {
      refuse('invalid_request', 'unsupported prompt value requested');
    }
    if (prompts.has('none') && prompts.size !== 1)
      refuse('invalid_request', 'prompt none must only be used alone');
  }
  assertScopeSyntax(query);
  const codeChallenge = query.get('code_challenge');
  if (!codeChallenge) refuse('invalid_request', 'PKCE is required: send code_challenge');
  if (query.get('code_challenge_method') !== 'S256') {
    refuse('invalid_request', 'code_challenge_method must be S256');
  }
  checkCodeChallenge(codeChallenge ?? '');
}

/** RFC 7636 §4.2, with oidc-provider's descriptions. */
function checkCodeChallenge(value: string): void {
  if (value.length < 43)
    refuse('invalid_request', 'code_challenge must be a string with a minimum length of 43 characters');
  if (value.length > 128)
    refuse('invalid_request', 'code_challenge must be a string with a maximum length of 128 characters');
  if (!CODE_CHALLENGE.test(value)) refuse('invalid_request', 'code_challenge contains invalid characters');
}
