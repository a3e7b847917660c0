import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ clock: clock.now });
const api = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));
type Tokens = { access_token: string; refresh_token?: string; scope?: string; error?: string };

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

async function signIn(scope?: string): Promise<Tokens> {
  const form = { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' };
  const response = await postToken(auth.tokenUrl, { form: scope ? { ...form, scope } : form });
  return (await response.json()) as Tokens;
}

async function refresh(
  refreshToken: string | undefined,
  extra: Record<string, string> = {},
): Promise<[number, Tokens]> {
  const response = await postToken(auth.tokenUrl, {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: 'web', ...extra },
  });
  return [response.status, (await response.json()) as Tokens];
}

/** Signs in on `target`, then refreshes `count` times, 10 minutes apart: each answer's status (and `error`). */
async function refreshEveryTenMinutes(
  target: ReturnType<typeof createAuthServer>,
  count: number,
): Promise<Array<number | [number, string | undefined]>> {
  const form = { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' };
  let tokens = (await (await postToken(target.tokenUrl, { form })).json()) as Tokens;
  const answers: Array<number | [number, string | undefined]> = [];
  for (let index = 0; index < count; index += 1) {
    clock.advance(600_000);
    const response = await postToken(target.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'web' },
    });
    const body = (await response.json()) as Tokens;
    answers.push(response.ok ? response.status : [response.status, body.error]);
    if (response.ok) tokens = body;
  }
  return answers;
}

async function apiStatus(accessToken: string): Promise<number> {
  return (await fetch(`${api}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;
}

describe('refresh_token grant', () => {
  it('rotates the refresh token on every refresh', async () => {
    const first = await signIn();
    const [status, second] = await refresh(first.refresh_token);
    expect(status).toBe(200);
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const [, third] = await refresh(second.refresh_token);
    expect(third.refresh_token).not.toBe(second.refresh_token);
  });

  it('keeps the granted scope and sub, and lets a refresh narrow the scope', async () => {
    const first = await signIn('openid orders:read');
    const [, same] = await refresh(first.refresh_token);
    expect(claimsOf(same.access_token)).toMatchObject({ sub: 'alice', scope: 'openid orders:read' });
    const [, narrower] = await refresh(same.refresh_token, { scope: 'orders:read' });
    expect(claimsOf(narrower.access_token).scope).toBe('orders:read');
  });

  it('treats an empty scope parameter as none and keeps the granted scope, like oidc-provider', async () => {
    const session = await signIn('orders:read orders:write');
    const [status, body] = await refresh(session.refresh_token, { scope: '' });
    expect(status).toBe(200);
    expect(body.scope).toBe('orders:read orders:write');
    expect(claimsOf(body.access_token).scope).toBe('orders:read orders:write');
  });

  it('answers invalid_target when a refresh asks for a resource not granted at sign-in (RFC 8707), and spends the refresh token as oidc-provider does: sent again, the session ends', async () => {
    const session = await auth.issueTokens({ audience: 'https://api.example.test' });
    const [status, body] = await refresh(session.refresh_token, { resource: 'https://billing.example.test' });
    expect([status, body.error]).toEqual([400, 'invalid_target']);
    const [again, reused] = await refresh(session.refresh_token, { resource: 'https://api.example.test' });
    expect([again, reused.error]).toEqual([400, 'invalid_grant']);
    expect(await apiStatus(session.access_token)).toBe(401);
  });

  it('keeps the refresh token usable after invalid_target when rotation is off, as oidc-provider does', async () => {
    const steady = createAuthServer({
      clock: clock.now,
      rotateRefreshTokens: false,
      issuer: 'https://steady-target.example.test',
    });
    server.use(...steady.handlers);
    const session = await steady.issueTokens({ audience: 'https://api.example.test' });
    const form = {
      grant_type: 'refresh_token',
      refresh_token: session.refresh_token ?? '',
      client_id: 'web',
    };
    const other = await postToken(steady.tokenUrl, {
      form: { ...form, resource: 'https://billing.example.test' },
    });
    expect([other.status, ((await other.json()) as Tokens).error]).toEqual([400, 'invalid_target']);
    const renewed = await postToken(steady.tokenUrl, {
      form: { ...form, resource: 'https://api.example.test' },
    });
    expect(renewed.status).toBe(200);
    expect(claimsOf(((await renewed.json()) as Tokens).access_token).aud).toBe('https://api.example.test');
  });

  it('lets a refresh pick one of several resources granted at sign-in', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: {
        grant_type: 'password',
        username: 'alice',
        password: 'wonderland',
        client_id: 'web',
        resource: ['https://a.example.test', 'https://b.example.test'],
      },
    });
    const session = (await response.json()) as Tokens;
    const [status, body] = await refresh(session.refresh_token, { resource: 'https://b.example.test' });
    expect(status).toBe(200);
    expect(claimsOf(body.access_token).aud).toBe('https://b.example.test');
    const [other, refused] = await refresh(body.refresh_token, { audience: 'urn:elsewhere' });
    expect([other, refused.error]).toEqual([400, 'invalid_target']);
  });

  it('answers invalid_scope when a refresh asks for more scope than granted', async () => {
    const first = await signIn('orders:read');
    const [status, body] = await refresh(first.refresh_token, { scope: 'orders:read orders:write' });
    expect([status, body.error]).toEqual([400, 'invalid_scope']);
  });

  it('detects reuse of a rotated refresh token: invalid_grant and the whole family revoked', async () => {
    const first = await signIn();
    const [, second] = await refresh(first.refresh_token);
    expect(await apiStatus(second.access_token)).toBe(200);

    const [reuseStatus, reuse] = await refresh(first.refresh_token);
    expect([reuseStatus, reuse.error]).toEqual([400, 'invalid_grant']);

    const [laterStatus, later] = await refresh(second.refresh_token);
    expect([laterStatus, later.error]).toEqual([400, 'invalid_grant']);
    expect(await apiStatus(first.access_token)).toBe(401);
    expect(await apiStatus(second.access_token)).toBe(401);
    expect(auth.apiRequests.slice(-2).map((entry) => entry.authorization)).toEqual(['revoked', 'revoked']);
  });

  it('answers invalid_scope to a rotated refresh token asking for more scope, and the session survives, like oidc-provider', async () => {
    const first = await signIn('orders:read');
    const [, second] = await refresh(first.refresh_token);
    const [status, body] = await refresh(first.refresh_token, { scope: 'orders:read orders:write' });
    expect([status, body.error]).toEqual([400, 'invalid_scope']);
    expect(await apiStatus(second.access_token)).toBe(200);
    const [laterStatus] = await refresh(second.refresh_token);
    expect(laterStatus).toBe(200);
  });

  it('answers invalid_grant to a rotated refresh token that expired, and the session survives, like oidc-provider', async () => {
    // Per-token lifetimes (oidc-provider with a number for ttl.RefreshToken): the newest outlives the first.
    const short = createAuthServer({
      clock: clock.now,
      refreshTokenLifetime: 60_000,
      slidingRefreshTokenLifetime: true,
    });
    server.use(...short.handlers, ...short.protectedApi(api));
    const send = async (form: Record<string, string>): Promise<[number, Tokens]> => {
      const response = await postToken(short.tokenUrl, { form: { client_id: 'web', ...form } });
      return [response.status, (await response.json()) as Tokens];
    };
    const [, first] = await send({ grant_type: 'password', username: 'alice', password: 'wonderland' });
    clock.advance(30_000);
    const [, second] = await send({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' });
    clock.advance(30_000); // the first refresh token has expired, the second has 30 s left
    const [status, body] = await send({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
    });
    expect([status, body.error]).toEqual([400, 'invalid_grant']);
    expect(await apiStatus(second.access_token)).toBe(200);
    const [laterStatus] = await send({
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token ?? '',
    });
    expect(laterStatus).toBe(200);
  });

  it('ends a session refreshed every 10 minutes at refreshTokenLifetime from sign-in, like oidc-provider', async () => {
    const hour = createAuthServer({ clock: clock.now, refreshTokenLifetime: 3_600_000 });
    server.use(...hour.handlers);
    // Refreshed at 10, 20, … minutes: the 6th, an hour after sign-in, is refused.
    const answers = await refreshEveryTenMinutes(hour, 6);
    expect(answers).toEqual([200, 200, 200, 200, 200, [400, 'invalid_grant']]);
    expect(hour.tokenRequests.map((entry) => [entry.grantType, entry.status])).toEqual([
      ['password', 200],
      ...Array.from({ length: 5 }, () => ['refresh_token', 200]),
      ['refresh_token', 400],
    ]);
  });

  it('keeps a session refreshed every 10 minutes alive with slidingRefreshTokenLifetime', async () => {
    const sliding = createAuthServer({
      clock: clock.now,
      refreshTokenLifetime: 3_600_000,
      slidingRefreshTokenLifetime: true,
    });
    server.use(...sliding.handlers);
    const answers = await refreshEveryTenMinutes(sliding, 9);
    expect(answers).toEqual(Array.from({ length: 9 }, () => 200));
  });

  it('revokes only the family whose refresh token was reused', async () => {
    const victim = await signIn();
    const bystander = await signIn();
    await refresh(victim.refresh_token);
    await refresh(victim.refresh_token);
    expect(await apiStatus(victim.access_token)).toBe(401);
    expect(await apiStatus(bystander.access_token)).toBe(200);
    const [status] = await refresh(bystander.refresh_token);
    expect(status).toBe(200);
  });

  it('lets one of two concurrent refreshes with the same token win and revokes the family', async () => {
    const first = await signIn();
    const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(results.map(([status]) => status).sort()).toEqual([200, 400]);
    const winner = results.find(([status]) => status === 200)?.[1];
    expect(await apiStatus(winner?.access_token ?? '')).toBe(401);
  });

  it('answers invalid_grant for an expired refresh token', async () => {
    const short = createAuthServer({ clock: clock.now, refreshTokenLifetime: 60_000 });
    server.use(...short.handlers);
    const form = { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' };
    const first = (await (await postToken(short.tokenUrl, { form })).json()) as Tokens;
    clock.advance(60_000);
    const response = await postToken(short.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '', client_id: 'web' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers invalid_grant for an unknown refresh token or one issued to another client', async () => {
    const [status, body] = await refresh('not-a-refresh-token');
    expect([status, body.error]).toEqual([400, 'invalid_grant']);
    const first = await signIn();
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' },
      basic: ['service', 'service-secret'],
    });
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers invalid_request without a refresh_token parameter', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', client_id: 'web' },
    });
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('keeps the refresh token valid and returns none when rotation is off', async () => {
    const steady = createAuthServer({
      clock: clock.now,
      rotateRefreshTokens: false,
      issuer: 'https://steady.example.test',
    });
    server.use(...steady.handlers);
    const form = { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' };
    const first = (await (await postToken(steady.tokenUrl, { form })).json()) as Tokens;
    for (let round = 0; round < 3; round += 1) {
      const response = await postToken(steady.tokenUrl, {
        form: { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '', client_id: 'web' },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).not.toHaveProperty('refresh_token');
    }
  });
});
