import type { TokenSet } from '@tessera/core';

/**
 * Who the access token is for: its JWT `sub` claim, read without verifying (display only — the API
 * verifies). `unknown user` for opaque tokens.
 */
export function tokenSubject(tokens: TokenSet | undefined): string {
  const payload = tokens?.accessToken.split('.')[1];
  if (!payload) return 'unknown user';
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const { sub } = JSON.parse(json) as { sub?: unknown };
    return typeof sub === 'string' ? sub : 'unknown user';
  } catch {
    return 'unknown user';
  }
}
