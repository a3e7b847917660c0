import type { TokenRequestParams } from '@tessera/core';
import type { TokenTarget } from './client-credentials-options.js';

/** A `TokenTarget` in canonical form: sorted, de-duplicated, empty parts absent. */
export interface NormalizedTarget {
  scope: string | undefined;
  audience: readonly string[] | undefined;
  resource: readonly string[] | undefined;
}

/**
 * Canonical form of `target`: scopes split on whitespace, de-duplicated and sorted; audiences and
 * resources de-duplicated and sorted. Two targets asking for the same token normalise alike.
 *
 * @throws {TypeError} an empty audience, or a resource that is not an absolute URI without fragment.
 */
export function normalizeTarget(target: TokenTarget): NormalizedTarget {
  const scopes = canonical(listOf(target.scope, 'scope', true).flatMap((part) => part.split(/\s+/)));
  const audience = canonical(listOf(target.audience, 'audience'));
  const resource = canonical(listOf(target.resource, 'resource'));
  for (const uri of resource ?? []) assertResourceIndicator(uri);
  return { scope: scopes?.join(' '), audience, resource };
}

/**
 * The part of every key of one client: `client@endpoint-or-issuer`. The client id also has its `@`
 * escaped (`%40`), so the first `@` always ends it: `a@https://x/` at `https://y/` and `a` at
 * `https://x/@https://y/` are two keys (decision 0405).
 */
export function clientKeyPrefix(clientId: string, server: string): string {
  return `${escapePart(clientId).replaceAll('@', '%40')}@${escapePart(server)}`;
}

/**
 * The part of every key of a client with `extraParams`: `|` and the parameters form-encoded, sorted
 * by name (`|tenant=acme`); empty without any. Two clients that differ only in a parameter (a
 * tenant) get different tokens, so they must not share a key, nor a lock or storage entry.
 */
export function paramsKeySuffix(params: TokenRequestParams): string {
  const pairs = Object.keys(params)
    .sort()
    .flatMap((name) => {
      const value = params[name];
      return (typeof value === 'string' ? [value] : (value ?? [])).map((item) => [name, item]);
    });
  // Form encoding escapes `|`, `%`, `&` and `=`: the suffix never runs into the other parts.
  return pairs.length === 0 ? '' : `|${new URLSearchParams(pairs).toString()}`;
}

/**
 * The manager key of a target, e.g. `svc@https://auth.example.com/token|read write||https://orders.internal`:
 * client prefix, scope, audience, resource, then the client's `paramsKeySuffix` (`|tenant=acme`) if
 * it has parameters. `%`, `|` and spaces inside a part are percent-encoded (and `@` inside the
 * client id), so two different targets never share a key (nor a lock or storage entry).
 */
export function targetKey(prefix: string, target: NormalizedTarget, suffix = ''): string {
  const part = (values: readonly string[] | undefined): string =>
    values === undefined ? '' : values.map((value) => escapePart(value)).join(' ');
  // Scopes never contain spaces, so the joined scope string only needs its `%` and `|` escaped.
  return `${prefix}|${target.scope === undefined ? '' : escapePart(target.scope, false)}|${part(target.audience)}|${part(target.resource)}${suffix}`;
}

function escapePart(value: string, spaces = true): string {
  if (!/[%| ]/.test(value)) return value;
  const escaped = value.replaceAll('%', '%25').replaceAll('|', '%7C');
  return spaces ? escaped.replaceAll(' ', '%20') : escaped;
}

function listOf(value: string | readonly string[] | undefined, name: string, emptyOk = false): string[] {
  if (value !== undefined && typeof value !== 'string' && !Array.isArray(value)) {
    throw new TypeError(`clientCredentials: ${name} must be a string or an array of strings`);
  }
  const list = typeof value === 'string' ? [value] : [...(value ?? [])];
  for (const item of list) {
    if (typeof item !== 'string' || (item === '' && !emptyOk)) {
      throw new TypeError(`clientCredentials: ${name} must be a non-empty string or an array of them`);
    }
  }
  return list;
}

function canonical(values: string[]): string[] | undefined {
  const unique = [...new Set(values.filter((value) => value !== ''))].sort();
  return unique.length === 0 ? undefined : unique;
}

function assertResourceIndicator(uri: string): void {
  if (!URL.canParse(uri) || uri.includes('#')) {
    throw new TypeError(
      `clientCredentials: resource "${uri}" must be an absolute URI without a fragment (RFC 8707 §2)`,
    );
  }
}
