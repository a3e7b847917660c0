import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const auth = createAuthServer();
const api = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

const apiStatus = async (accessToken: string): Promise<number> =>
  (await fetch(`${api}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;
const refresh = (refreshToken: string | undefined): Promise<Response> =>
  postToken(auth.tokenUrl, {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: 'web' },
  });

describe('revokeToken', () => {
  it('revokes one access token and leaves its refresh token and siblings usable', async () => {
    const session = await auth.issueTokens();
    const other = await auth.issueTokens();
    expect(auth.revokeToken(session.access_token)).toBe(true);
    expect(await apiStatus(session.access_token)).toBe(401);
    expect(auth.apiRequests[0]?.authorization).toBe('revoked');
    expect(await apiStatus(other.access_token)).toBe(200);
    const renewed = await refresh(session.refresh_token);
    expect(renewed.status).toBe(200);
    expect(await apiStatus(((await renewed.json()) as { access_token: string }).access_token)).toBe(200);
  });

  it('revokes a refresh token with its whole family (RFC 7009)', async () => {
    const session = await auth.issueTokens();
    expect(auth.revokeToken(session.refresh_token ?? '')).toBe(true);
    expect(await (await refresh(session.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await apiStatus(session.access_token)).toBe(401);
  });

  it('returns false for a token the server never issued', () => {
    expect(auth.revokeToken('unknown')).toBe(false);
    expect(auth.revokeToken('eyJhbGciOiJub25lIn0.eyJqdGkiOiJ4In0.')).toBe(false);
  });
});

describe('holdNextTokenRequest', () => {
  it('holds the next token request, counted but unanswered, until released', async () => {
    const held = auth.holdNextTokenRequest();
    let status: number | undefined;
    const pending = postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    }).then((response) => {
      status = response.status;
    });
    await held.arrived;
    expect(auth.tokenRequestCount).toBe(1);
    expect(auth.tokenRequests).toEqual([]);
    expect(status).toBeUndefined();
    held.release();
    await pending;
    expect(status).toBe(200);
    expect(auth.tokenRequests).toHaveLength(1);
  });

  it('processes a held refresh after a concurrent one, so the held one is the reuse', async () => {
    const session = await auth.issueTokens();
    const held = auth.holdNextTokenRequest();
    const first = refresh(session.refresh_token);
    await held.arrived;
    const second = await refresh(session.refresh_token);
    expect(second.status).toBe(200);
    held.release();
    expect(await (await first).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('releases a hold a request already waits at on reset(), and keeps that request out of the new logs', async () => {
    const held = auth.holdNextTokenRequest();
    const pending = postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    await held.arrived;
    auth.reset();
    expect((await pending).status).toBe(200);
    expect(auth.tokenRequestCount).toBe(0);
    expect(auth.tokenRequests).toEqual([]);
  });

  it('releases holds no request reached on reset()', async () => {
    auth.holdNextTokenRequest();
    auth.reset();
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    expect(response.status).toBe(200);
  });
});
