import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readConfig } from './config.js';
import { createSession, type Session } from './create-session.js';
import { fireParallelCalls, PARALLEL_CALLS } from './fire-parallel-calls.js';
import { groupTimeline } from './group-timeline.js';
import { createRequestTimeline, type TimelineEntry } from './request-timeline.js';
import { shortHash } from './short-hash.js';

describe('shortHash', () => {
  it('is the first 8 hex digits of the SHA-256 of the token', async () => {
    // SHA-256("abc") = ba7816bf 8f01cfea …
    expect(await shortHash('abc')).toBe('ba7816bf');
    expect(await shortHash('')).toBe('e3b0c442');
  });
});

describe('createRequestTimeline', () => {
  const clock = createTestClock(1_700_000_000_000);
  const fakeHash = async (token: string) => `h(${token.length})`;

  it('numbers and time-stamps rows in order, and replaces the snapshot on every change', async () => {
    const timeline = createRequestTimeline({ now: clock.now, hash: fakeHash });
    const empty = timeline.entries();
    const first = timeline.add({ kind: 'call', label: 'GET /me', status: '…', accessToken: 'abc' });
    const afterAdd = timeline.entries();
    expect(afterAdd).not.toBe(empty);
    expect(empty).toEqual([]);
    timeline.settle(first, '200');
    timeline.add({ kind: 'sign-out', label: 'sign-out' });
    await timeline.settled();

    expect(timeline.entries()).toEqual([
      { id: 1, at: 1_700_000_000_000, kind: 'call', label: 'GET /me', status: '200', token: 'h(3)' },
      { id: 2, at: 1_700_000_000_000, kind: 'sign-out', label: 'sign-out', status: '', token: undefined },
    ]);
    expect(afterAdd[0]).toMatchObject({ status: '…', token: '…' });
  });

  it('tells subscribers about every change until they unsubscribe', () => {
    const timeline = createRequestTimeline({ hash: fakeHash });
    const listener = vi.fn();
    const unsubscribe = timeline.subscribe(listener);
    const id = timeline.add({ kind: 'call', label: 'GET /me' });
    timeline.settle(id, '200');
    timeline.clear();
    unsubscribe();
    timeline.add({ kind: 'call', label: 'GET /me' });
    expect(listener).toHaveBeenCalledTimes(3);
    expect(timeline.entries()).toHaveLength(1);
  });

  it('hashes a token once for many rows, and shows ? when hashing fails', async () => {
    const hash = vi.fn(fakeHash);
    const timeline = createRequestTimeline({ hash });
    for (let i = 0; i < 20; i += 1) timeline.add({ kind: 'call', label: 'GET /me', accessToken: 'same' });
    const failing = createRequestTimeline({ hash: () => Promise.reject(new Error('no WebCrypto')) });
    failing.add({ kind: 'sign-in', label: 'sign-in', accessToken: 'x' });
    await Promise.all([timeline.settled(), failing.settled()]);

    expect(hash).toHaveBeenCalledTimes(1);
    expect(new Set(timeline.entries().map((entry) => entry.token))).toEqual(new Set(['h(4)']));
    expect(failing.entries()[0]?.token).toBe('?');
  });

  it('keeps the newest rows only, and ignores a late answer for a dropped row', () => {
    const timeline = createRequestTimeline({ limit: 3 });
    const dropped = timeline.add({ kind: 'call', label: 'GET /1' });
    for (const n of [2, 3, 4]) timeline.add({ kind: 'call', label: `GET /${n}` });
    timeline.settle(dropped, '200');
    expect(timeline.entries().map((entry) => [entry.label, entry.status])).toEqual([
      ['GET /2', ''],
      ['GET /3', ''],
      ['GET /4', ''],
    ]);
  });
});

describe('groupTimeline', () => {
  const row = (id: number, kind: TimelineEntry['kind'], status: string, token?: string): TimelineEntry => ({
    id,
    at: 0,
    kind,
    label: 'GET /me',
    status,
    token,
  });

  it('folds consecutive rows that say the same thing, and only those', () => {
    const groups = groupTimeline([
      row(1, 'call', '401', 'aaaa'),
      row(2, 'call', '401', 'aaaa'),
      row(3, 'call', '…', 'aaaa'),
      row(4, 'call', '401', 'aaaa'),
      row(5, 'replay', '200', 'bbbb'),
      row(6, 'replay', '200', 'bbbb'),
      row(7, 'call', '200', 'bbbb'),
    ]);
    expect(groups.map((group) => [group.first.id, group.count])).toEqual([
      [1, 2],
      [3, 1],
      [4, 1],
      [5, 2],
      [7, 1],
    ]);
  });
});

// The app's default configuration and its mock server, in Node: what the timeline shows for real calls.
const config = readConfig('', {});
const mock = config.mock!;
const auth = createAuthServer({
  clock: createTestClock(1_700_000_000_000).now,
  issuer: mock.issuer,
  audience: mock.apiBaseUrl,
  accessTokenLifetime: mock.accessTokenLifetime,
});
const server = setupServer(...auth.handlers, ...auth.protectedApi(mock.apiBaseUrl));
const sessions: Session[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const session of sessions.splice(0)) session.tokens.dispose();
  auth.reset();
});
afterAll(() => server.close());

async function signedIn() {
  const session = createSession(config, () => auth.tokenRequestCount);
  sessions.push(session);
  await session.signInWithPassword('alice', 'wonderland');
  return session;
}

/** The timeline as the view shows it: one line per group. */
async function lines(session: Session): Promise<string[]> {
  await session.timeline.settled();
  return groupTimeline(session.timeline.entries()).map(
    ({ first, count }) =>
      `${count} × ${first.kind} ${first.label} | ${first.status || '-'} | ${first.token ?? '-'}`,
  );
}

describe('the timeline of a session', () => {
  it('shows 20 calls refused with the old token, one refresh, and 20 replays all with the same new token', async () => {
    const session = await signedIn();
    const before = await shortHash(session.tokens.peekTokens()!.accessToken);

    const result = await fireParallelCalls(session, PARALLEL_CALLS, (token) => auth.revokeToken(token));

    expect(result).toEqual({ calls: 20, succeeded: 20, failures: [], tokenRequests: 1 });
    const after = await shortHash(session.tokens.peekTokens()!.accessToken);
    expect(after).not.toBe(before);
    expect(await lines(session)).toEqual([
      `1 × sign-in sign-in | - | ${before}`,
      `20 × call GET /me | 401 | ${before}`,
      '1 × stale token marked stale | - | -',
      `1 × refresh refresh (invalidated) | ok | ${after}`,
      `20 × replay GET /me | 200 | ${after}`,
    ]);
    expect(auth.apiRequests.map((request) => request.authorization)).toEqual([
      ...Array(20).fill('revoked'),
      ...Array(20).fill('valid'),
    ]);
  });

  it('shows the refresh before the calls when the token is only marked stale: no 401, no replay', async () => {
    const session = await signedIn();

    await fireParallelCalls(session, PARALLEL_CALLS);

    const after = await shortHash(session.tokens.peekTokens()!.accessToken);
    expect((await lines(session)).slice(1)).toEqual([
      '1 × stale token marked stale | - | -',
      `1 × refresh refresh (invalidated) | ok | ${after}`,
      `20 × call GET /me | 200 | ${after}`,
    ]);
  });

  it('shows the session end when the server refused the refresh token, then the sign-out of a new session', async () => {
    const session = await signedIn();
    const first = await shortHash(session.tokens.peekTokens()!.accessToken);
    auth.revokeAll();
    await expect(session.api.get(session.apiUrl)).rejects.toThrow();
    await session.signInWithPassword('alice', 'wonderland');
    const second = await shortHash(session.tokens.peekTokens()!.accessToken);
    await session.signOut();

    expect(await lines(session)).toEqual([
      `1 × sign-in sign-in | - | ${first}`,
      `1 × call GET /me | 401 | ${first}`,
      '1 × stale token marked stale | - | -',
      '1 × refresh-failed refresh (invalidated) | invalid_grant | -',
      '1 × session-end session ended by the server | invalid_grant | -',
      `1 × sign-in sign-in | - | ${second}`,
      '1 × sign-out sign-out | - | -',
    ]);
  });

  it('never holds a token, a refresh token or a hash longer than 8 digits', async () => {
    const session = await signedIn();
    const { accessToken, refreshToken } = session.tokens.peekTokens()!;
    await fireParallelCalls(session, 3, (token) => auth.revokeToken(token));
    const { accessToken: newAccessToken } = session.tokens.peekTokens()!;
    await session.timeline.settled();

    const json = JSON.stringify(session.timeline.entries());
    for (const secret of [accessToken, refreshToken!, newAccessToken]) expect(json).not.toContain(secret);
    for (const entry of session.timeline.entries()) expect(entry.token ?? '').toMatch(/^([0-9a-f]{8})?$/);
  });
});
