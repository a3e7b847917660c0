import { TokenEndpointError } from './token-endpoint-error.js';

/**
 * The `aud` a token request asks for: RFC 8707 `resource` (repeatable), else `audience`, else undefined.
 * @throws {TokenEndpointError} 400 `invalid_target` for a resource that is not an absolute URI without fragment.
 */
export function requestedAudience(form: URLSearchParams): string | readonly string[] | undefined {
  const resources = form.getAll('resource');
  for (const resource of resources) {
    if (!isAbsoluteUri(resource) || resource.includes('#')) {
      throw new TokenEndpointError(
        400,
        'invalid_target',
        'resource must be an absolute URI without fragment',
      );
    }
  }
  if (resources.length === 1) return resources[0];
  if (resources.length > 1) return resources;
  const audience = form.get('audience');
  return audience === null || audience === '' ? undefined : audience;
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
