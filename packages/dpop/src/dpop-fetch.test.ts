import { Readable } from 'node:stream';
import { isTesseraError, requestToken } from '@tessera/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { athOf, readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';
import type { DPoPEvent } from './dpop-event.js';
import { DPoPNonceError } from './errors/dpop-nonce-error.js';

const TOKEN_URL = 'https://as.example/token';

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

type Reply = (sent: Sent, index: number) => Response;

/** A fake server behind an injected fetch: records every request and answers with `replies` in order. */
function server(...replies: Reply[]) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const entry = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: await request.text(),
    };
    sent.push(entry);
    const reply = replies[Math.min(sent.length - 1, replies.length - 1)];
    if (!reply) throw new Error('no reply configured');
    return reply(entry, sent.length - 1);
  });
  return { sent, fetch };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
const useNonce = (nonce?: string) =>
  json(
    400,
    { error: 'use_dpop_nonce', error_description: 'nonce required' },
    nonce ? { 'DPoP-Nonce': nonce } : {},
  );
const tokens = (headers: Record<string, string> = {}) =>
  json(200, { access_token: 'at', token_type: 'DPoP', expires_in: 60 }, headers);

function refreshBody(): URLSearchParams {
  return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt-secret', client_id: 'spa' });
}

function setup(...replies: Reply[]) {
  const as = server(...replies);
  const events: DPoPEvent[] = [];
  const dpop = createDPoP({ fetch: as.fetch, onEvent: (event) => events.push(event) });
  const post = (url = TOKEN_URL, body: BodyInit = refreshBody()) =>
    dpop.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  return { ...as, dpop, events, post };
}

describe('dpop.fetch (authorization-server calls)', () => {
  it('adds a fresh, valid proof with htm, htu (no query), iat and jti to every request', async () => {
    const { dpop, sent, post } = setup(tokens());

    const before = Math.floor(Date.now() / 1000);
    await post(`${TOKEN_URL}?x=1#frag`);
    await post();
    const after = Math.floor(Date.now() / 1000);

    const [first, second] = await Promise.all(sent.map((s) => readProof(s.headers.get('dpop'))));
    expect(first?.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(first?.header.jwk).not.toHaveProperty('d');
    expect(first?.claims).toMatchObject({ htm: 'POST', htu: TOKEN_URL });
    expect(first?.claims).not.toHaveProperty('ath');
    expect(first?.claims).not.toHaveProperty('nonce');
    // The time it was signed, in whole seconds: between before and after, however long signing took.
    expect(first?.claims.iat).toBeGreaterThanOrEqual(before);
    expect(first?.claims.iat).toBeLessThanOrEqual(after);
    expect(first?.claims.jti).not.toBe(second?.claims.jti);
    expect(first?.jkt).toBe((await dpop.ready()).thumbprint);
  });

  it('keeps the caller headers and does not mutate them', async () => {
    const { sent, dpop } = setup(tokens());
    const headers = { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' };

    await dpop.fetch(TOKEN_URL, { method: 'POST', headers, body: 'grant_type=client_credentials' });

    expect(sent[0]?.headers.get('authorization')).toBe('Basic abc');
    expect(headers).toEqual({
      authorization: 'Basic abc',
      'content-type': 'application/x-www-form-urlencoded',
    });
  });

  it.each([undefined, null])(
    'signs and sends a proof for a DPoP header set to %s, as withTokens treats it: never the text',
    async (value) => {
      const { sent, dpop } = setup(tokens());
      const headers = {
        DPoP: value as unknown as string,
        'content-type': 'application/x-www-form-urlencoded',
      };

      const response = await dpop.fetch(TOKEN_URL, {
        method: 'POST',
        headers,
        body: 'grant_type=client_credentials',
      });

      expect(response.status).toBe(200);
      expect(sent).toHaveLength(1);
      const proof = await readProof(sent[0]?.headers.get('dpop'));
      expect(proof.claims).toMatchObject({ htm: 'POST', htu: TOKEN_URL });
      expect(proof.jkt).toBe((await dpop.ready()).thumbprint);
      expect(sent[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    },
  );

  it('reads headers given as a one-shot iterator (map.entries()) once, as fetch does: the nonce retry keeps them too', async () => {
    const { sent, dpop } = setup(useNonce('n-1'), tokens());
    const form = new Map([['content-type', 'application/x-www-form-urlencoded']]).entries();

    const response = await dpop.fetch(TOKEN_URL, {
      method: 'POST',
      headers: form as never,
      body: 'grant_type=client_credentials',
    });

    expect(response.status).toBe(200);
    expect(sent.map((entry) => entry.headers.get('content-type'))).toEqual([
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded',
    ]);
    expect(sent.map((entry) => entry.headers.has('dpop'))).toEqual([true, true]);
  });

  it('retries once on 400 use_dpop_nonce with the new nonce, a new jti and the same body', async () => {
    const { sent, events, post } = setup(useNonce('n-1'), tokens({ 'DPoP-Nonce': 'n-1' }));

    const response = await post();

    expect(response.status).toBe(200);
    expect(sent).toHaveLength(2);
    const [first, retry] = await Promise.all(sent.map((s) => readProof(s.headers.get('dpop'))));
    expect(first?.claims.nonce).toBeUndefined();
    expect(retry?.claims.nonce).toBe('n-1');
    expect(retry?.claims.jti).not.toBe(first?.claims.jti);
    expect(sent[1]?.body).toBe(sent[0]?.body);
    expect(sent[1]?.body).toBe(refreshBody().toString());
    expect(events).toEqual([{ type: 'nonce_retry', origin: 'https://as.example', status: 400 }]);
  });

  it('reads an init whose members come through its prototype (Object.create, a class with getters) as fetch does: method, headers, body and resendBody', async () => {
    const { sent, dpop } = setup(useNonce('n-1'), tokens(), useNonce('n-2'), tokens());
    const base = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'from-proto' };
    class OneTime {
      get method() {
        return 'POST';
      }
      get body() {
        return 'assertion-1';
      }
      get resendBody() {
        return async () => 'assertion-2';
      }
    }

    expect((await dpop.fetch(TOKEN_URL, Object.create(base))).status).toBe(200);
    expect((await dpop.fetch(TOKEN_URL, new OneTime() as RequestInit)).status).toBe(200);

    expect(sent.map((s) => [s.method, s.headers.get('content-type'), s.body])).toEqual([
      ['POST', 'text/plain', 'from-proto'],
      ['POST', 'text/plain', 'from-proto'],
      ['POST', 'text/plain;charset=UTF-8', 'assertion-1'],
      ['POST', 'text/plain;charset=UTF-8', 'assertion-2'],
    ]);
  });

  it('reads a Request given as init as fetch does: its method and body go to the URL given (a stream body: no retry)', async () => {
    const { sent, dpop } = setup(tokens());
    const init = new Request('https://elsewhere.example/', { method: 'POST', body: 'a=1' });

    expect((await dpop.fetch(TOKEN_URL, init as RequestInit)).status).toBe(200);

    expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([['POST', TOKEN_URL, 'a=1']]);
    expect((await readProof(sent[0]?.headers.get('dpop'))).claims.htm).toBe('POST');
  });

  it.each([
    ['a string', () => refreshBody().toString()],
    ['URLSearchParams', refreshBody],
    ['a Blob', () => new Blob([refreshBody().toString()])],
  ])('replays %s body byte for byte', async (_, body) => {
    const { sent, post } = setup(useNonce('n-1'), tokens());
    await post(TOKEN_URL, body());
    expect(sent[1]?.body).toBe(refreshBody().toString());
  });

  it('replays a Request input with its body (cloned before the first send)', async () => {
    const { sent, dpop } = setup(useNonce('n-1'), tokens());
    const request = new Request(TOKEN_URL, { method: 'POST', body: refreshBody(), headers: { 'x-id': '1' } });

    const response = await dpop.fetch(request);

    expect(response.status).toBe(200);
    expect(sent.map((s) => [s.method, s.body, s.headers.get('x-id')])).toEqual([
      ['POST', refreshBody().toString(), '1'],
      ['POST', refreshBody().toString(), '1'],
    ]);
    expect((await readProof(sent[1]?.headers.get('dpop'))).claims.nonce).toBe('n-1');
  });

  it('answers use_dpop_nonce from a node-fetch response (a Node stream body, no cancel): one retry, the first body destroyed', async () => {
    const bodies: Readable[] = [];
    /** A node-fetch-shaped answer: a `Readable` body, `clone()`, no web stream. */
    const answer = (status: number, json: unknown, headers: Record<string, string>) => {
      const make = () => {
        const body = Readable.from([Buffer.from(JSON.stringify(json))]);
        bodies.push(body);
        return { status, ok: status < 300, url: TOKEN_URL, headers: new Headers(headers), body, clone: make };
      };
      return make();
    };
    const sent: string[] = [];
    const fetch = vi.fn(async (_: unknown, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get('dpop') ?? '');
      return (sent.length === 1
        ? answer(
            400,
            { error: 'use_dpop_nonce' },
            { 'DPoP-Nonce': 'n-1', 'content-type': 'application/json' },
          )
        : answer(200, { access_token: 'at' }, { 'content-type': 'application/json' })) as unknown as Response;
    });
    const dpop = createDPoP({ fetch });
    const response = await dpop.fetch(TOKEN_URL, { method: 'POST', body: refreshBody() });
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect((await readProof(sent[1] ?? null))?.claims.nonce).toBe('n-1');
    // The first answer (and its clone, read for the error) is released: destroyed, not left open.
    expect(bodies.slice(0, 2).every((body) => body.destroyed)).toBe(true);
  });

  it('uses the nonce it learned on the next request, so a known nonce costs no retry', async () => {
    const { sent, post } = setup(useNonce('n-1'), tokens({ 'DPoP-Nonce': 'n-1' }));

    await post();
    await post();

    expect(sent).toHaveLength(3);
    expect((await readProof(sent[2]?.headers.get('dpop'))).claims.nonce).toBe('n-1');
  });

  it.each([200, 400, 401])('keeps the latest DPoP-Nonce from a %s response', async (status) => {
    const { sent, post } = setup(
      json(status, { error: 'invalid_request' }, { 'DPoP-Nonce': `n-${status}` }),
      tokens(),
    );

    await post();
    await post();

    expect((await readProof(sent[1]?.headers.get('dpop'))).claims.nonce).toBe(`n-${status}`);
  });

  it('forgets the nonces on removeKey() (sign-out): the next proof carries none', async () => {
    const { dpop, sent, post } = setup(tokens({ 'DPoP-Nonce': 'n-1' }), tokens());

    await post();
    await post();
    await dpop.removeKey();
    await post();

    expect(sent).toHaveLength(3);
    expect((await readProof(sent[1]?.headers.get('dpop'))).claims.nonce).toBe('n-1');
    expect((await readProof(sent[2]?.headers.get('dpop'))).claims.nonce).toBeUndefined();
  });

  it('keeps the nonce the answer to the nonce retry sends: the next request carries it, with no retry', async () => {
    const { sent, post } = setup(useNonce('n-1'), tokens({ 'DPoP-Nonce': 'n-2' }), tokens());

    await post();
    await post();

    expect(sent).toHaveLength(3);
    expect((await readProof(sent[2]?.headers.get('dpop'))).claims.nonce).toBe('n-2');
  });

  it('keeps nonces per origin: one server’s nonce never goes to another', async () => {
    const { sent, post } = setup((s) =>
      tokens({ 'DPoP-Nonce': s.url.startsWith('https://as.example') ? 'as-nonce' : 'other-nonce' })(s, 0),
    );

    await post(TOKEN_URL);
    await post('https://other.example/token');
    await post(TOKEN_URL);
    await post('https://as.example:8443/token');

    const nonces = (await Promise.all(sent.map((s) => readProof(s.headers.get('dpop'))))).map(
      (p) => p.claims.nonce,
    );
    expect(nonces).toEqual([undefined, undefined, 'as-nonce', undefined]);
  });

  it('learns a redirected answer’s nonce for the origin that answered, not the one the request was sent to', async () => {
    const { sent, fetch } = server((_, index) => {
      const response = tokens({ 'DPoP-Nonce': `n${index + 1}` })(_, index);
      // fetch followed a redirect: the answer comes from another origin.
      if (index === 0) Object.defineProperty(response, 'url', { value: 'https://as2.example/par' });
      return response;
    });
    const dpop = createDPoP({ fetch });

    await dpop.fetch('https://as.example/par', { method: 'POST', body: 'x' });
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'x' });
    await dpop.fetch('https://as2.example/par', { method: 'POST', body: 'x' });

    const nonces = (await Promise.all(sent.map((s) => readProof(s.headers.get('dpop'))))).map(
      (p) => p.claims.nonce,
    );
    expect(nonces).toEqual([undefined, undefined, 'n1']);
  });

  it('returns a use_dpop_nonce from the origin a redirect fetch followed ended at as it is: no retry, its nonce kept for that origin', async () => {
    const events: DPoPEvent[] = [];
    const { sent, fetch } = server((entry, index) => {
      // fetch followed a redirect: the challenge comes from another origin than the one the proof was for.
      const response = entry.url.startsWith(TOKEN_URL)
        ? useNonce(`as2-${index}`)(entry, index)
        : tokens()(entry, index);
      if (entry.url.startsWith(TOKEN_URL))
        Object.defineProperty(response, 'url', { value: 'https://as2.example/token' });
      return response;
    });
    const dpop = createDPoP({ fetch, onEvent: (event) => events.push(event) });

    const response = await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'x' });

    expect(sent).toHaveLength(1);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'use_dpop_nonce' });
    expect(events).toEqual([]);
    await dpop.fetch('https://as2.example/token', { method: 'POST', body: 'x' });
    await dpop.fetch('https://api.example/x', { method: 'POST', body: 'x' });
    const nonces = await Promise.all(
      sent.map(async (s) => (await readProof(s.headers.get('dpop'))).claims.nonce),
    );
    expect(nonces).toEqual([undefined, 'as2-0', undefined]);
  });

  it('ignores a malformed DPoP-Nonce value', async () => {
    const { sent, post } = setup(tokens({ 'DPoP-Nonce': 'has "quotes"' }), tokens());
    await post();
    await post();
    expect((await readProof(sent[1]?.headers.get('dpop'))).claims.nonce).toBeUndefined();
  });

  it('keeps no DPoP-Nonce over 4096 characters: a 10 MB one never goes into a proof, the last valid one stays', async () => {
    const huge = 'n'.repeat(10 * 1024 * 1024);
    const { sent, post } = setup(
      tokens({ 'DPoP-Nonce': 'n-1' }),
      tokens({ 'DPoP-Nonce': huge }),
      tokens({ 'DPoP-Nonce': 'x'.repeat(4096) }),
      tokens(),
    );
    await post();
    await post();
    await post();
    await post();

    const nonces = await Promise.all(
      sent.map(async (s) => (await readProof(s.headers.get('dpop'))).claims.nonce),
    );
    expect(nonces).toEqual([undefined, 'n-1', 'n-1', 'x'.repeat(4096)]);
    expect(Math.max(...sent.map((s) => s.headers.get('dpop')?.length ?? 0))).toBeLessThan(6000);
  });

  it('answers use_dpop_nonce with a 10 MB nonce with a typed error, not a retry carrying it', async () => {
    const { sent, post } = setup(useNonce('n'.repeat(10 * 1024 * 1024)), tokens());

    const error = await post().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'nonce_unreadable', status: 400 });
    expect((error as Error).message.length).toBeLessThan(300);
    expect(sent).toHaveLength(1);
  });

  it('gives up with a typed error when use_dpop_nonce comes twice: never a third request', async () => {
    const { sent, post } = setup(useNonce('n-1'), useNonce('n-2'), tokens());

    const error = await post().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DPoPNonceError);
    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'rejected_after_retry', status: 400 });
    expect(isTesseraError(error, 'DPOP_NONCE')).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it('treats use_dpop_nonce without a readable DPoP-Nonce as a configuration error, not retried', async () => {
    const { sent, post } = setup(useNonce(undefined), tokens());

    const error = await post().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'nonce_unreadable' });
    expect((error as Error).message).toContain('Access-Control-Expose-Headers');
    expect((error as Error).message).toContain('POST https://as.example/token');
    expect(sent).toHaveLength(1);
  });

  it('answers use_dpop_nonce with two different DPoP-Nonce headers with a typed error naming them, not CORS: no retry', async () => {
    const twoNonces: Reply = () => {
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append('DPoP-Nonce', 'n-1');
      headers.append('DPoP-Nonce', 'n-2');
      return new Response(JSON.stringify({ error: 'use_dpop_nonce' }), { status: 400, headers });
    };
    const { sent, post } = setup(twoNonces, tokens());

    const error = await post().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'nonce_ambiguous', status: 400 });
    expect((error as Error).message).toContain('several DPoP-Nonce');
    expect((error as Error).message).not.toContain('CORS');
    expect(sent).toHaveLength(1);
  });

  it('answers use_dpop_nonce with the same DPoP-Nonce header twice (a proxy repeating it) with one retry carrying that nonce', async () => {
    const sameTwice: Reply = () => {
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append('DPoP-Nonce', 'n-1');
      headers.append('DPoP-Nonce', 'n-1');
      return new Response(JSON.stringify({ error: 'use_dpop_nonce' }), { status: 400, headers });
    };
    const { sent, post } = setup(sameTwice, tokens());

    expect((await post()).status).toBe(200);

    expect(sent).toHaveLength(2);
    expect((await readProof(sent[1]?.headers.get('dpop'))).claims.nonce).toBe('n-1');
  });

  it('does not retry when the server asks for the nonce the proof already carried', async () => {
    const { sent, post } = setup(tokens({ 'DPoP-Nonce': 'n-1' }), useNonce('n-1'), tokens());
    await post();

    const error = await post().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'nonce_unchanged' });
    expect(sent).toHaveLength(2);
  });

  it('marks an invalid_grant that answers the nonce retry, and reports it', async () => {
    const { dpop, events, post } = setup(useNonce('n-1'), json(400, { error: 'invalid_grant' }));

    const response = await post();

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_grant' });
    expect(dpop.isAfterNonceRetry(response)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['nonce_retry', 'invalid_grant_after_nonce_retry']);
  });

  it('passes an invalid_grant without a nonce retry through unmarked, in one request', async () => {
    const { dpop, sent, events, post } = setup(json(400, { error: 'invalid_grant' }));

    const response = await post();

    expect(dpop.isAfterNonceRetry(response)).toBe(false);
    expect(await response.json()).toEqual({ error: 'invalid_grant' });
    expect(sent).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('does not mark or report an invalid_grant that answers a clock retry as coming after a nonce retry', async () => {
    const serverNow = Date.UTC(2026, 0, 1, 12, 0, 0);
    const as = server(
      json(400, { error: 'invalid_dpop_proof' }, { Date: new Date(serverNow).toUTCString() }),
      json(400, { error: 'invalid_grant' }),
    );
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      fetch: as.fetch,
      clock: () => serverNow - 600_000,
      onEvent: (e) => events.push(e),
    });

    const response = await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    expect(as.sent).toHaveLength(2);
    expect(await response.json()).toEqual({ error: 'invalid_grant' });
    expect(dpop.isAfterNonceRetry(response)).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['clock_retry']);
  });

  it('passes a 400 with a non-JSON body through untouched', async () => {
    const { sent, post } = setup(() => new Response('<html>bad</html>', { status: 400 }));
    const response = await post();
    expect(await response.text()).toBe('<html>bad</html>');
    expect(sent).toHaveLength(1);
  });

  it('reads at most 1 MiB of a 400: a nonce challenge in an endless body is not answered, and the body is cancelled', async () => {
    const MiB = 1 << 20;
    const head = new TextEncoder().encode('{"error":"use_dpop_nonce","pad":"');
    const filler = new Uint8Array(64 * 1024).fill(0x78);
    const stats = { pulled: 0, cancelled: false };
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          // Gives up at 64 MiB, so that a reader without a cap fails the test instead of the machine.
          if (stats.pulled >= 64 * MiB) return controller.error(new Error('safety net'));
          const chunk = stats.pulled === 0 ? head : filler.slice();
          stats.pulled += chunk.length;
          controller.enqueue(chunk);
        },
        cancel() {
          stats.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const { dpop, sent } = setup(() => new Response(body, { status: 400, headers: { 'DPoP-Nonce': 'n-1' } }));

    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      params: { refresh_token: 'rt-secret' },
      fetch: dpop.fetch,
    }).catch((e: unknown) => e);

    expect(sent).toHaveLength(1);
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason: 'too_large', status: 400 });
    expect(String(error)).not.toContain('rt-secret');
    // A clone's stream is cancelled only once both copies are: dpop.fetch's and the token request's.
    expect(stats.cancelled).toBe(true);
    expect(stats.pulled).toBeLessThan(MiB + 4 * filler.length);
  });

  it.each([-10, 10])(
    'applies the server clock offset from the Date header to iat (client clock %s min)',
    async (minutes) => {
      const serverNow = Date.UTC(2026, 0, 1, 12, 0, 0);
      const as = server(tokens({ Date: new Date(serverNow).toUTCString() }));
      const dpop = createDPoP({
        fetch: as.fetch,
        clock: () => serverNow + minutes * 60_000,
      });

      await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
      await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
      const { DPoP } = await dpop.headersFor({
        method: 'GET',
        url: 'https://api.example/x',
        accessToken: 'at',
      });

      const [first, second] = await Promise.all(as.sent.map((s) => readProof(s.headers.get('dpop'))));
      expect(first?.claims.iat).toBe(serverNow / 1000 + minutes * 60);
      expect(second?.claims.iat).toBe(serverNow / 1000);
      expect((await readProof(DPoP)).claims.iat).toBe(serverNow / 1000);
    },
  );

  it.each([-10, 10])(
    'retries once with a corrected iat when a server without nonces rejects the skewed proof (client clock %s min)',
    async (minutes) => {
      const serverNow = Date.UTC(2026, 0, 1, 12, 0, 0);
      const date = { Date: new Date(serverNow).toUTCString() };
      const as = server(
        json(400, { error: 'invalid_dpop_proof', error_description: 'iat is not recent enough' }, date),
        tokens(date),
      );
      const events: DPoPEvent[] = [];
      const dpop = createDPoP({
        fetch: as.fetch,
        clock: () => serverNow + minutes * 60_000,
        onEvent: (e) => events.push(e),
      });

      const response = await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

      expect(response.status).toBe(200);
      expect(as.sent).toHaveLength(2);
      expect((await readProof(as.sent[1]?.headers.get('dpop'))).claims.iat).toBe(serverNow / 1000);
      expect(events).toEqual([{ type: 'clock_retry', origin: 'https://as.example', status: 400 }]);
    },
  );

  it('does not retry an invalid_dpop_proof when the clocks agree', async () => {
    const { sent, post } = setup(
      json(400, { error: 'invalid_dpop_proof' }, { Date: new Date().toUTCString() }),
    );
    const response = await post();
    expect(response.status).toBe(400);
    expect(sent).toHaveLength(1);
  });

  it('does not move iat for a cached response: the server’s clock is its Date plus its Age', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const dpop = createDPoP({ clock: () => now });
    const cached = { date: new Date(now - 3_600_000).toUTCString(), age: '3600' };

    dpop.learn({ url: 'https://api.example/catalog', status: 401, headers: cached });
    const { DPoP } = await dpop.headersFor({
      method: 'GET',
      url: 'https://api.example/orders',
      accessToken: 't',
    });

    expect((await readProof(DPoP)).claims.iat).toBe(now / 1000);
  });

  it.each([-3_600_000, 3_600_000])(
    'moves no iat for a resource server’s answer other than a 401: a cached 200 without Age, Date %s ms off',
    async (off) => {
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const dpop = createDPoP({ clock: () => now });
      const iatFor = async (url: string) =>
        (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.iat;
      const date = { date: new Date(now + off).toUTCString() };

      for (const status of [200, 304, 404, 500])
        dpop.learn({ url: 'https://api.example/catalog', status, headers: date });

      expect(await iatFor('https://api.example/orders')).toBe(now / 1000);
      expect(await iatFor('https://elsewhere.example/x')).toBe(now / 1000);
      // A 401 is the rejection of the proof just sent: its Date is the server's clock now.
      dpop.learn({ url: 'https://api.example/orders', status: 401, headers: date });
      expect(await iatFor('https://api.example/orders')).toBe((now + off) / 1000);
    },
  );

  it('keeps the server clock per origin: a resource server’s skewed Date does not move the iat of proofs to the authorization server', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const as = server(tokens({ Date: new Date(now).toUTCString() }));
    const dpop = createDPoP({ fetch: as.fetch, clock: () => now });
    const iatFor = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.iat;

    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
    dpop.learn({
      url: 'https://api.example/a',
      status: 401,
      headers: { date: new Date(now + 3_600_000).toUTCString() },
    });
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    expect((await readProof(as.sent[1]?.headers.get('dpop'))).claims.iat).toBe(now / 1000);
    expect(await iatFor('https://as.example/userinfo')).toBe(now / 1000);
    expect(await iatFor('https://api.example/orders')).toBe(now / 1000 + 3600);
    // An origin that never sent a readable Date gets the authorization server's offset.
    expect(await iatFor('https://elsewhere.example/x')).toBe(now / 1000);
  });

  it('sets the offset of origins never heard from by the authorization server only: an API’s 401 (or nonce challenge) moves its own origin’s iat, no other', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const hour = (n: number) => ({ date: new Date(now + n * 3_600_000).toUTCString() });
    // Its Date unreadable, as cross-origin in a browser unless exposed.
    const as = server(tokens());
    const dpop = createDPoP({ fetch: as.fetch, clock: () => now });
    const iatFor = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.iat;
    const challenge = { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n1', ...hour(-2) };

    dpop.learn({ url: 'https://api.example/a', status: 401, headers: hour(1) });
    dpop.isNonceChallenge({ url: 'https://api2.example/a', status: 401, headers: challenge }, {});
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    expect((await readProof(as.sent[0]?.headers.get('dpop'))).claims.iat).toBe(now / 1000);
    expect(await iatFor('https://elsewhere.example/x')).toBe(now / 1000);
    expect(await iatFor('https://api.example/b')).toBe(now / 1000 + 3600);
    expect(await iatFor('https://api2.example/b')).toBe(now / 1000 - 7200);
  });

  it('takes the offset of origins never heard from from the authorization server’s own answer, not from where a redirect took it', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const date = (minutes: number) => ({ Date: new Date(now + minutes * 60_000).toUTCString() });
    const { fetch } = server((entry, index) => {
      if (!entry.url.startsWith('https://as.example/par')) return tokens(date(10))(entry, index);
      // fetch followed a redirect: the answer comes from another origin.
      const response = tokens(date(60))(entry, index);
      Object.defineProperty(response, 'url', { value: 'https://as2.example/par' });
      return response;
    });
    const dpop = createDPoP({ fetch, clock: () => now });
    const iatFor = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.iat;

    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
    await dpop.fetch('https://as.example/par', { method: 'POST', body: 'a=1' });

    expect(await iatFor('https://elsewhere.example/x')).toBe(now / 1000 + 600);
    expect(await iatFor('https://as2.example/x')).toBe(now / 1000 + 3600);
  });

  it('moves no iat for an answer to a GET (discovery from a browser cache: an hour-old Date, no Age); a token endpoint answer still does', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const date = (minutes: number) => ({ Date: new Date(now + minutes * 60_000).toUTCString() });
    const DISCOVERY = 'https://as.example/.well-known/openid-configuration';
    const { fetch, sent } = server((entry, index) =>
      entry.method === 'POST'
        ? tokens({ ...date(10), 'Cache-Control': 'no-store' })(entry, index)
        : json(
            200,
            { issuer: 'https://as.example' },
            { ...date(-60), 'Cache-Control': 'public, max-age=3600' },
          )(entry, index),
    );
    const dpop = createDPoP({ fetch, clock: () => now });
    const iatFor = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.iat;

    await dpop.fetch(DISCOVERY);
    await dpop.fetch(DISCOVERY, { method: 'HEAD' });
    expect(await iatFor('https://api.example/orders')).toBe(now / 1000);
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    const iats = await Promise.all(
      sent.map(async (s) => (await readProof(s.headers.get('dpop'))).claims.iat),
    );
    expect(sent.map((s) => s.method)).toEqual(['GET', 'HEAD', 'POST', 'POST']);
    // The first token request goes with the client's own clock; its answer's Date moves the next.
    expect(iats).toEqual([now / 1000, now / 1000, now / 1000, now / 1000 + 600]);
    expect(await iatFor('https://api.example/orders')).toBe(now / 1000 + 600);
  });

  it('moves no iat for the answer to the GET a 303 made of a POST (a stored copy: an hour-old Date); the 303 itself still does', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const date = (minutes: number) => ({ Date: new Date(now + minutes * 60_000).toUTCString() });
    const { fetch, sent } = server((entry, index) =>
      entry.url === 'https://as.example/par'
        ? new Response(null, { status: 303, headers: { Location: '/result', ...date(10) } })
        : entry.url === 'https://as.example/result'
          ? json(200, { ok: true }, { ...date(-60), 'Cache-Control': 'public, max-age=3600' })(entry, index)
          : tokens()(entry, index),
    );
    const dpop = createDPoP({ fetch, clock: () => now });

    const answer = await dpop.fetch('https://as.example/par', { method: 'POST', body: 'a=1' });
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    expect(answer.status).toBe(200);
    expect(sent.map((s) => [s.method, s.url])).toEqual([
      ['POST', 'https://as.example/par'],
      ['GET', 'https://as.example/result'],
      ['POST', TOKEN_URL],
    ]);
    // The POST's own answer (the 303) set the clock; the GET's stored copy did not move it back.
    expect((await readProof(sent[2]?.headers.get('dpop'))).claims.iat).toBe(now / 1000 + 600);
  });

  it('returns a use_dpop_nonce answering the GET a 303 made of the nonce retry as it is: no DPoPNonceError, two POSTs', async () => {
    const { fetch, sent } = server((entry, index) =>
      index === 0
        ? useNonce('n1')(entry, index)
        : entry.method === 'POST'
          ? new Response(null, { status: 303, headers: { Location: '/result' } })
          : useNonce('n2')(entry, index),
    );
    const dpop = createDPoP({ fetch });

    const response = await dpop.fetch('https://as.example/par', { method: 'POST', body: 'a=1' });

    expect(response.status).toBe(400);
    expect(sent.map((s) => s.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('takes an answer after a redirect the runtime followed (a browser’s, a Request’s) for a GET a 303 may have made: no POST again, no clock', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const stale = { Date: new Date(now - 3_600_000).toUTCString(), 'Cache-Control': 'public, max-age=3600' };
    // fetch followed a 303 on the same origin: what it returns answers the GET, with an hour-old stored Date.
    const followed =
      (reply: Reply): Reply =>
      (entry, index) => {
        const response = reply(entry, index);
        Object.defineProperty(response, 'url', { value: 'https://as.example/result' });
        Object.defineProperty(response, 'redirected', { value: true });
        return response;
      };
    const { fetch, sent } = server(
      followed(json(400, { error: 'use_dpop_nonce' }, { 'DPoP-Nonce': 'n1', ...stale })),
      followed(json(400, { error: 'invalid_dpop_proof' }, stale)),
      tokens(),
    );
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({ fetch, clock: () => now, onEvent: (event) => events.push(event) });
    const post = () => new Request('https://as.example/par', { method: 'POST', body: 'a=1' });

    const challenged = await dpop.fetch(post());
    const skewed = await dpop.fetch(post());
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });

    expect([challenged.status, skewed.status]).toEqual([400, 400]);
    expect(sent.map((s) => [s.method, s.url])).toEqual([
      ['POST', 'https://as.example/par'],
      ['POST', 'https://as.example/par'],
      ['POST', TOKEN_URL],
    ]);
    expect(events).toEqual([]);
    const last = await readProof(sent[2]?.headers.get('dpop'));
    // Its nonce is kept; the stored copy's Date moved no clock.
    expect([last.claims.nonce, last.claims.iat]).toEqual(['n1', now / 1000]);
  });

  it('sends to the URL it signed: a caller’s URL object changed in place while the proof is signed never takes the proof to another host', async () => {
    const { fetch, sent } = server(tokens());
    const dpop = createDPoP({ fetch });
    const url = new URL(TOKEN_URL);

    const pending = dpop.fetch(url, { method: 'POST', body: 'a=1' });
    url.host = 'attacker.example';
    await pending;

    expect(sent.map((s) => s.url)).toEqual([TOKEN_URL]);
    expect((await readProof(sent[0]?.headers.get('dpop'))).claims.htu).toBe(TOKEN_URL);
  });

  it('passes the caller signal to every send: an abort rejects with its reason and sends no retry', async () => {
    const controller = new AbortController();
    const inner = vi.fn(async (_input: string | URL | Request, init?: RequestInit) => {
      expect(init?.signal).toBe(controller.signal);
      controller.abort(new Error('user left the page'));
      throw init?.signal?.reason;
    });
    const dpop = createDPoP({ fetch: inner });

    const error = await dpop
      .fetch(TOKEN_URL, { method: 'POST', body: 'a=1', signal: controller.signal })
      .catch((e: unknown) => e);

    expect((error as Error).message).toBe('user left the page');
    expect(inner).toHaveBeenCalledTimes(1);
  });

  it('keeps the signal on the nonce retry', async () => {
    const controller = new AbortController();
    const signals: (AbortSignal | null | undefined)[] = [];
    const replies = [useNonce('n-1'), tokens()];
    const dpop = createDPoP({
      fetch: async (_input, init) => {
        signals.push(init?.signal);
        return (replies[signals.length - 1] ?? tokens())({} as Sent, 0);
      },
    });

    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1', signal: controller.signal });

    expect(signals).toEqual([controller.signal, controller.signal]);
  });

  it('signs 1,000 concurrent first requests with one key and 1,000 distinct jtis', async () => {
    const { sent, dpop } = setup(tokens());
    await Promise.all(
      Array.from({ length: 1000 }, () => dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' })),
    );

    const proofs = sent.map((s) => s.headers.get('dpop') as string);
    expect(sent).toHaveLength(1000);
    expect(new Set(proofs.map((proof) => decodeJwt(proof).jti)).size).toBe(1000);
    expect(new Set(proofs.map((proof) => JSON.stringify(decodeProtectedHeader(proof).jwk))).size).toBe(1);
    expect((await readProof(proofs[999])).jkt).toBe((await dpop.ready()).thumbprint);
    // CPU-bound (1,000 ECDSA signatures): 2.2 s alone, over vitest's 5 s default on a loaded 2-core machine.
  }, 30_000);

  it('never puts the nonce, proof or body in an error message', async () => {
    const { post } = setup(useNonce('secret-nonce'), useNonce('secret-nonce-2'));
    const error = (await post().catch((e: unknown) => e)) as Error;
    const dump = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    expect(dump).not.toMatch(/secret-nonce|rt-secret|eyJ/);
  });
});

describe('dpop.headersFor / isNonceChallenge (resource-server calls)', () => {
  const API = 'https://api.example/orders?id=1';
  const challenge = (nonce?: string) => ({
    url: API,
    status: 401,
    headers: new Headers({
      'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"',
      ...(nonce ? { 'DPoP-Nonce': nonce } : {}),
    }),
  });

  it('signs a proof with ath = base64url(SHA-256(token)) for the request URL without query', async () => {
    const dpop = createDPoP();

    const headers = await dpop.headersFor({ method: 'get', url: API, accessToken: 'the-token' });

    expect(Object.keys(headers)).toEqual(['DPoP']);
    const { claims } = await readProof(headers.DPoP);
    expect(claims).toMatchObject({
      htm: 'GET',
      htu: 'https://api.example/orders',
      ath: await athOf('the-token'),
    });
    expect(dpop.scheme).toBe('DPoP');
  });

  it('gives 500 concurrent requests 500 distinct jtis', async () => {
    const dpop = createDPoP();
    const proofs = await Promise.all(
      Array.from({ length: 500 }, () => dpop.headersFor({ method: 'GET', url: API, accessToken: 't' })),
    );
    // Decoded, not verified: a jose verification per proof cost several times the signing and timed the
    // test out on a loaded machine. The claim is distinct jtis; one proof of the burst is verified, and
    // the tests above verify proofs in full.
    const jtis = proofs.map((h) => decodeJwt(h.DPoP).jti);
    expect(new Set(jtis).size).toBe(500);
    expect((await readProof(proofs[499]?.DPoP)).claims.jti).toBe(jtis[499]);
  });

  it('answers a 401 nonce challenge once: true, and the next proof carries the new nonce', async () => {
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({ onEvent: (e) => events.push(e) });
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });

    expect(dpop.isNonceChallenge(challenge('rs-1'), sent)).toBe(true);

    const replay = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect((await readProof(replay.DPoP)).claims.nonce).toBe('rs-1');
    expect(events).toEqual([{ type: 'nonce_retry', origin: 'https://api.example', status: 401 }]);
  });

  it('lets every concurrent request challenged with one new nonce replay once', async () => {
    const dpop = createDPoP();
    const sent = await Promise.all(
      Array.from({ length: 100 }, () => dpop.headersFor({ method: 'GET', url: API, accessToken: 't' })),
    );
    expect(sent.filter((s) => dpop.isNonceChallenge(challenge('rs-1'), s))).toHaveLength(100);
  });

  it('throws a typed error for a challenge that repeats the nonce the proof carried', async () => {
    const dpop = createDPoP();
    dpop.learn({ url: API, status: 200, headers: { 'dpop-nonce': 'rs-1' } });
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });

    expect(() => dpop.isNonceChallenge(challenge('rs-1'), sent)).toThrow(
      expect.objectContaining({ code: 'DPOP_NONCE', failure: 'nonce_unchanged', status: 401 }),
    );
  });

  it('throws a typed configuration error for a challenge without a readable nonce', async () => {
    const dpop = createDPoP();
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect(() => dpop.isNonceChallenge(challenge(undefined), sent)).toThrow(
      expect.objectContaining({ code: 'DPOP_NONCE', failure: 'nonce_unreadable' }),
    );
  });

  it('throws a typed error naming several nonces for a challenge with two different DPoP-Nonce headers, and keeps none of them', async () => {
    const dpop = createDPoP();
    dpop.learn({ url: API, status: 200, headers: { 'dpop-nonce': 'rs-1' } });
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    const headers = new Headers({ 'www-authenticate': 'DPoP error="use_dpop_nonce"' });
    headers.append('DPoP-Nonce', 'rs-2');
    headers.append('DPoP-Nonce', 'rs-3');

    expect(() => dpop.isNonceChallenge({ url: API, status: 401, headers }, sent)).toThrow(
      expect.objectContaining({ code: 'DPOP_NONCE', failure: 'nonce_ambiguous', status: 401 }),
    );
    // Node-style header objects carry them as an array.
    expect(() =>
      dpop.isNonceChallenge(
        {
          url: API,
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': ['rs-2', 'rs-3'] },
        },
        sent,
      ),
    ).toThrow(expect.objectContaining({ failure: 'nonce_ambiguous' }));
    const next = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect((await readProof(next.DPoP)).claims.nonce).toBe('rs-1');
  });

  it.each([
    [
      'a 401 invalid_token',
      { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'n' } },
    ],
    [
      'a Bearer use_dpop_nonce',
      { status: 401, headers: { 'www-authenticate': 'Bearer error="use_dpop_nonce"', 'dpop-nonce': 'n' } },
    ],
    [
      'a 403',
      { status: 403, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n' } },
    ],
    ['a 200', { status: 200, headers: { 'dpop-nonce': 'n' } }],
  ])('is false for %s', async (_, response) => {
    const dpop = createDPoP();
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect(dpop.isNonceChallenge({ url: API, ...response }, sent)).toBe(false);
  });

  it.each([
    ['10 MB long', 'n'.repeat(10 * 1024 * 1024)],
    ['with CR LF and a header after it', 'rs-2\r\nSet-Cookie: a=b'],
    ['with a space', 'rs 2'],
    ['with a quote', 'rs"2'],
    ['with a backslash', 'rs\\2'],
    ['non-ASCII', 'rs-\u00e92'],
    ['empty', ''],
  ])(
    'keeps no DPoP-Nonce %s: the known nonce stays, and a challenge with it is a typed error',
    async (_, nonce) => {
      const dpop = createDPoP();
      dpop.learn({ url: API, status: 200, headers: { 'dpop-nonce': 'rs-1' } });
      dpop.learn({ url: API, status: 200, headers: { 'dpop-nonce': nonce } });
      const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
      expect((await readProof(sent.DPoP)).claims.nonce).toBe('rs-1');

      const hostile = {
        url: API,
        status: 401,
        headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': nonce },
      };
      expect(() => dpop.isNonceChallenge(hostile, sent)).toThrow(
        expect.objectContaining({ code: 'DPOP_NONCE', failure: 'nonce_unreadable', status: 401 }),
      );
    },
  );

  it('reads axios-style and Node-style header objects', async () => {
    const dpop = createDPoP();
    dpop.learn({ url: API, status: 200, headers: { 'DPoP-Nonce': ['rs-a'] } });
    const headers = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect((await readProof(headers.DPoP)).claims.nonce).toBe('rs-a');
  });

  it('keeps resource-server and authorization-server nonces apart', async () => {
    const as = server(tokens({ 'DPoP-Nonce': 'as-nonce' }));
    const dpop = createDPoP({ fetch: as.fetch });
    await dpop.fetch(TOKEN_URL, { method: 'POST', body: 'a=1' });
    dpop.learn({ url: 'https://api.example/a', status: 200, headers: { 'dpop-nonce': 'api-nonce' } });
    dpop.learn({ url: 'https://billing.example/a', status: 401, headers: { 'dpop-nonce': 'billing-nonce' } });

    const nonceFor = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.nonce;
    expect(await nonceFor('https://api.example/x')).toBe('api-nonce');
    expect(await nonceFor('https://billing.example/x')).toBe('billing-nonce');
    expect(await nonceFor('https://as.example/userinfo')).toBe('as-nonce');
    expect(await nonceFor('https://elsewhere.example/x')).toBeUndefined();
  });

  it('learns a 401 challenge from another origin for that origin: its nonce never goes into this one’s proofs', async () => {
    const dpop = createDPoP();
    const sent = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });

    dpop.isNonceChallenge({ ...challenge('other-nonce'), url: 'https://other.example/orders' }, sent);

    const next = await dpop.headersFor({ method: 'GET', url: API, accessToken: 't' });
    expect((await readProof(next.DPoP)).claims.nonce).toBeUndefined();
    const there = await dpop.headersFor({ method: 'GET', url: 'https://other.example/x', accessToken: 't' });
    expect((await readProof(there.DPoP)).claims.nonce).toBe('other-nonce');
  });

  it('learn never throws, even for a response without a usable URL', () => {
    const dpop = createDPoP();
    expect(() => dpop.learn({ url: 'not a url', status: 200, headers: { 'dpop-nonce': 'n' } })).not.toThrow();
  });
});

describe('in a page with a <base href> element (document.baseURI is not location.href)', () => {
  const PAGE = 'https://app.example.com/shop/cart';
  const BASE = 'https://api.example.com/v1/';
  const ORDERS = 'https://api.example.com/v1/orders';
  afterEach(() => vi.unstubAllGlobals());
  const inPage = () => {
    vi.stubGlobal('location', { href: PAGE, origin: 'https://app.example.com' });
    vi.stubGlobal('document', { baseURI: BASE });
  };

  it('dpop.fetch: a relative URL gets a proof for the URL fetch requests (the base), and that origin’s nonce challenge is answered', async () => {
    inPage();
    const requested: Array<{ url: string; htu: string | undefined; nonce: string | undefined }> = [];
    // A browser's fetch: a relative URL resolves against the document's base URL; Response.url is where it went.
    const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input), globalThis.document.baseURI).href;
      const { claims } = await readProof(new Headers(init?.headers).get('dpop'));
      requested.push({ url, htu: claims.htu, nonce: claims.nonce });
      const response =
        requested.length === 1
          ? new Response(JSON.stringify({ error: 'use_dpop_nonce' }), {
              status: 400,
              headers: { 'content-type': 'application/json', 'DPoP-Nonce': 'api-nonce' },
            })
          : new Response('{}', { status: 200 });
      return Object.defineProperty(response, 'url', { value: url });
    });
    const dpop = createDPoP({ fetch });

    const response = await dpop.fetch('orders?id=1', { method: 'POST', body: 'a=1' });

    expect(response.status).toBe(200);
    expect(requested).toEqual([
      { url: `${ORDERS}?id=1`, htu: ORDERS, nonce: undefined },
      { url: `${ORDERS}?id=1`, htu: ORDERS, nonce: 'api-nonce' },
    ]);
  });

  it('headersFor / isNonceChallenge: a relative URL is the one fetch requests, against the base, and its nonce is that origin’s', async () => {
    inPage();
    const dpop = createDPoP();
    const sent = await dpop.headersFor({ method: 'GET', url: 'orders', accessToken: 't' });
    expect((await readProof(sent.DPoP)).claims.htu).toBe(ORDERS);

    const challenge = {
      url: 'orders',
      status: 401,
      headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'api-nonce' },
    };
    expect(dpop.isNonceChallenge(challenge, sent)).toBe(true);

    const nonceAt = async (url: string) =>
      (await readProof((await dpop.headersFor({ method: 'GET', url, accessToken: 't' })).DPoP)).claims.nonce;
    expect(await nonceAt(ORDERS)).toBe('api-nonce');
    expect(await nonceAt('https://app.example.com/x')).toBeUndefined();
  });
});
