import { TokenEndpointError } from './token-endpoint-error.js';

/**
 * The `aud` a token request asks for: RFC 8707 `resource` (repeatable), else `audience`, else undefined.
 * `known`: the resource servers there are (`resources`); undefined accepts any.
 * @throws {TokenEndpointError} 400 `invalid_target` for a resource that is not an absolute URI without
 *   fragment, or is not one of `known` (as oidc-provider's `getResourceServerInfo` refuses it).
 */
export function requestedAudience(
  form: URLSearchParams,
  known?: readonly string[],
): string | readonly string[] | undefined {
  const resources = form.getAll('resource');
  const invalid = (description: string): never => {
    throw new TokenEndpointError(400, 'invalid_target', description);
  };
  for (const resource of resources) {
    if (!isAbsoluteUri(resource) || resource.includes('#')) {
      invalid('resource must be an absolute URI without fragment');
    }
    if (known && !known.includes(resource)) invalid('resource indicator is missing, or unknown');
  }
  if (resources.length === 1) return resources[0];
  if (resources.length > 1) return resources;
  const audience = form.get('audience');
  return audience === null || audience === '' ? undefined : audience;
}

/**
 * RFC 8707 §2.2: a token request (code exchange or refresh) may ask for some of the resources granted
 * at sign-in, never another one.
 */
export function withinAudience(
  requested: string | readonly string[],
  granted: string | readonly string[],
): boolean {
  const allowed = new Set(typeof granted === 'string' ? [granted] : granted);
  return (typeof requested === 'string' ? [requested] : requested).every((item) => allowed.has(item));
}

/** RFC 6749 §3.3: scope tokens (printable ASCII without `"` and `\\`) separated by single spaces. */
const SCOPE_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/**
 * Refuses a `scope` that is not space-separated scope tokens, as oidc-provider 9 does for the grants
 * that take a scope, before the grant looks at anything else. An empty `scope` is no `scope`.
 * @throws {TokenEndpointError} 400 `invalid_scope`.
 */
export function assertScopeSyntax(form: URLSearchParams): void {
  const scope = form.get('scope');
  if (scope && !SCOPE_SYNTAX.test(scope)) {
    throw new TokenEndpointError(400, 'invalid_scope', 'scope contains invalid characters');
  }
}

/** The requested scopes, normalised to single spaces; '' when none. */
export function requestedScope(form: URLSearchParams): string {
  return splitScope(form.get('scope') ?? '').join(' ');
}

/** Scope string → scope tokens. */
export function splitScope(scope: string): string[] {
  return scope.split(' ').filter((item) => item !== '');
}

function isAbsoluteUri(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
