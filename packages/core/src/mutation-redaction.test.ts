import { describe, expect, it, vi } from 'vitest';
import { OAuthError } from './errors/oauth-error.js';
import type { FetchLike } from './fetch-like.js';
import { requestToken } from './token-endpoint.js';

/** A space, and characters `encodeURIComponent` and form encoding treat differently (`!`, `'`, `*`). */
const SECRET = "cs b!c*d'e-secret";

describe('redaction: the percent-encoded and form-encoded spellings of a secret', () => {
  it.each([
    [
      'form-encoded, as sent in the body (URLSearchParams)',
      new URLSearchParams({ v: SECRET }).toString().slice(2),
    ],
    ['percent-encoded by encodeURIComponent (a JavaScript server)', encodeURIComponent(SECRET)],
  ])('redacts the client secret a server echoes %s', async (_, echoed) => {
    const fetch = vi.fn<FetchLike>(async () =>
      Response.json(
        { error: 'invalid_client', error_description: `bad client_secret=${echoed}` },
        { status: 401 },
      ),
    );
    const error = await requestToken({
      tokenUrl: 'https://auth.example.test/token',
      grantType: 'client_credentials',
      clientId: 'svc',
      clientSecret: SECRET,
      authMethod: 'client_secret_post',
      fetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).errorDescription).toBe('bad client_secret=[redacted]');
    expect(JSON.stringify(error)).not.toContain(echoed);
  });
});
