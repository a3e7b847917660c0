import { type CanonicalTarget, canonicalTarget } from '@tessera/core';
import { assertNoSurroundingWhitespace } from './assert-no-surrounding-whitespace.js';
import type { TokenTarget } from './client-credentials-options.js';

/**
 * Checks `target` and returns its canonical form (core's `canonicalTarget`: scopes split on ASCII
 * whitespace, de-duplicated and sorted; audiences and resources de-duplicated and sorted), the form
 * that is sent and that the key is built from. Two targets asking for the same token normalise alike.
 *
 * @throws {TypeError} an empty or blank audience, or one with whitespace around it, a scope with other
 *   whitespace (a no-break space) or a control character, or a resource that is not an absolute URI
 *   without fragment (whitespace and control characters, which `URL` would drop, included).
 */
export function normalizeTarget(target: TokenTarget): CanonicalTarget {
  assertTargetTypes(target);
  const canonical = canonicalTarget(target);
  for (const uri of canonical.resource ?? []) assertResourceIndicator(uri);
  // Core splits scopes on ASCII whitespace only: a no-break space, U+2003 or a control character
  // left in a scope is no delimiter and no scope character (RFC 6749 §3.3).
  if (/[^\S ]|\p{Cc}/u.test(canonical.scope ?? '')) {
    throw new TypeError(
      `clientCredentials: scope ${JSON.stringify(canonical.scope)} must not contain whitespace other than spaces, or control characters (RFC 6749 §3.3)`,
    );
  }
  return canonical;
}

/**
 * `target` read once: its scope, audience and resource, arrays copied. A getter that answers
 * differently at each read, or an array changed later, cannot make the key name one token and the
 * request ask for another.
 */
export function readTarget({ scope, audience, resource }: TokenTarget): TokenTarget {
  const copy = (value: TokenTarget['scope']) => (Array.isArray(value) ? [...value] : value);
  return { scope: copy(scope), audience: copy(audience), resource: copy(resource) };
}

/**
 * Checks that scope, audience and resource are strings or arrays of strings, audiences and resources
 * non-empty, audiences without whitespace around them: what the key needs. `normalizeTarget` checks
 * the resources' URIs on top.
 *
 * @throws {TypeError} naming the part that is wrong.
 */
export function assertTargetTypes(target: TokenTarget): void {
  assertList(target.scope, 'scope', true);
  assertList(target.audience, 'audience');
  assertList(target.resource, 'resource');
}

function assertList(value: string | readonly string[] | undefined, name: string, emptyOk = false): void {
  if (value !== undefined && typeof value !== 'string' && !Array.isArray(value)) {
    throw new TypeError(`clientCredentials: ${name} must be a string or an array of strings`);
  }
  for (const item of typeof value === 'string' ? [value] : (value ?? [])) {
    // Blank is empty: `audience: ' '` would be its own target, sent as a blank `audience`.
    if (typeof item !== 'string' || (item.trim() === '' && !emptyOk)) {
      throw new TypeError(`clientCredentials: ${name} must be a non-empty string or an array of them`);
    }
    // A resource is a URI: refused with whitespace anywhere by `normalizeTarget`.
    if (name === 'audience') assertNoSurroundingWhitespace(item, name);
  }
}

function assertResourceIndicator(uri: string): void {
  // URL.canParse trims spaces and drops tabs and newlines (a value read from a file or an environment
  // variable), yet the resource would be sent with them and refused by the server: not a URI.
  if (!URL.canParse(uri) || uri.includes('#') || /[\s\p{Cc}]/u.test(uri)) {
    throw new TypeError(
      `clientCredentials: resource ${JSON.stringify(uri)} must be an absolute URI without a fragment or whitespace (RFC 8707 §2)`,
    );
  }
}
