import { describe, expect, it, vi } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { FetchLike } from './fetch-like.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { revokeToken } from './revoke-token.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://id.example.com/token';
const SECRET = 'client-secret-value';

/**
 * A `fetch` wrapper of the kind apps write, which passes on only method, headers and body — so it
 * drops `redirect: 'manual'` and its fetch follows the token endpoint's redirect — answering with what
 * the server it was redirected to said (tokens, in this case).
 */
function followingFetch(body: unknown, status = 200) {
  const seen: RequestInit[] = [];
  const fetch = vi.fn(async (_url: string, init: RequestInit) => {
    seen.push(init);
    const response = new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify(body)));
          controller.close();
        },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    );
    Object.defineProperty(response, 'redirected', { value: true });
    return response;
  });
  return { fetch: fetch as unknown as FetchLike, calls: fetch, seen };
}

describe('an OAuth answer that came after a redirect the fetch followed', () => {
  it('is refused as MalformedResponseError redirected, with no token taken from it', async () => {
    const { fetch, calls, seen } = followingFetch({ access_token: 'from-elsewhere', expires_in: 300 });
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      clientId: 'app',
      clientSecret: SECRET,
      grantType: 'client_credentials',
      fetch,
    }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'redirected', status: 200 });
    expect(JSON.stringify(error) + String(error)).not.toContain('from-elsewhere');
    expect(calls).toHaveBeenCalledTimes(1);
    expect(seen[0]?.redirect).toBe('manual'); // asked for; the wrapper's fetch followed anyway
  });

  it('is not retried by a TokenManager: one token request, the error reaches the caller, nothing stored', async () => {
    const { fetch, calls } = followingFetch({
      access_token: 'from-elsewhere',
      refresh_token: 'rt-2',
      expires_in: 300,
    });
    const tokens = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'app', fetch }),
    });
    await tokens.setTokens({ access_token: 'old', refresh_token: 'rt-1', expires_in: 0 });
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ reason: 'redirected' });
    expect(calls).toHaveBeenCalledTimes(1);
    expect(tokens.peekTokens()?.accessToken).toBe('old');
    tokens.dispose();
  });

  it('is refused for revocation too', async () => {
    const { fetch } = followingFetch({}, 200);
    await expect(
      revokeToken({ revocationUrl: 'https://id.example.com/revoke', clientId: 'app', token: 'rt-1', fetch }),
    ).rejects.toMatchObject({
      reason: 'redirected',
    });
  });
});
