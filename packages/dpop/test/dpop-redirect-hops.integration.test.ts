import { decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { createDPoP, DPoPNonceError } from '../src/index.js';

// dpop.fetch in Node against a real loopback server that checks every proof strictly (signature,
// typ, htm and htu against the request it came with). A path without a trailing slash redirects
// to the same path with one (`?status=` picks the 3xx, default 307; `?nonce=` sends that
// `DPoP-Nonce` with it); `?to=<url>` redirects there. `/nonce/` also asks for the nonce `server-nonce`;
// `/stubborn/` asks for it whatever the proof carries (a server refusing the nonce it issued).
let server: Awaited<ReturnType<typeof loopbackServer>>;
let second: string;

beforeAll(async () => {
  server = await loopbackServer(async (seen, res) => {
    const url = new URL(seen.path, `http://${seen.host}`);
    const to = url.searchParams.get('to');
    if (to || !url.pathname.endsWith('/')) {
      const status = Number(url.searchParams.get('status') ?? 307);
      const nonce = url.searchParams.get('nonce');
      res.writeHead(status, {
        Location: to ?? `${url.pathname}/`,
        ...(nonce ? { 'DPoP-Nonce': nonce } : {}),
      });
      res.end();
      return;
    }
    try {
      const { payload } = await jwtVerify(seen.dpop ?? '', EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
      });
      if (url.pathname === '/stubborn/' || (url.pathname === '/nonce/' && payload.nonce !== 'server-nonce')) {
        res.writeHead(400, { 'content-type': 'application/json', 'DPoP-Nonce': 'server-nonce' });
        res.end('{"error":"use_dpop_nonce"}');
        return;
      }
      const ok = payload.htu === `http://${seen.host}${url.pathname}` && payload.htm === seen.method;
      res
        .writeHead(ok ? 200 : 400, { 'content-type': 'application/json' })
        .end(JSON.stringify(ok ? { ok: true } : { error: 'invalid_dpop_proof' }));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_dpop_proof"}');
    }
  });
  second = `http://localhost:${server.port}`;
});
afterAll(() => server.close());
afterEach(() => {
  server.seen.length = 0;
});

const claimsOf = (proof: string | null) => (proof ? decodeJwt(proof) : undefined);

describe('dpop.fetch in Node: redirects fetch would follow get a fresh proof per hop', () => {
  it('a same-origin 307 (/token → /token/) is accepted: each hop’s proof names its own URL, with its own jti', async () => {
    const dpop = createDPoP();

    const response = await dpop.fetch(`${server.origin}/token`, { method: 'POST', body: 'grant_type=x' });

    expect(response.status).toBe(200);
    expect(response.url).toBe(`${server.origin}/token/`);
    expect(server.seen.map((seen) => [seen.method, seen.path, seen.body])).toEqual([
      ['POST', '/token', 'grant_type=x'],
      ['POST', '/token/', 'grant_type=x'],
    ]);
    const [first, hop] = server.seen.map((seen) => claimsOf(seen.dpop));
    expect([first?.htm, first?.htu]).toEqual(['POST', `${server.origin}/token`]);
    expect([hop?.htm, hop?.htu]).toEqual(['POST', `${server.origin}/token/`]);
    expect(hop?.jti).not.toBe(first?.jti);
  });

  it('a 303 after a POST: the hop is a GET without the body, and its proof says GET', async () => {
    const dpop = createDPoP();

    const response = await dpop.fetch(`${server.origin}/par?status=303`, { method: 'POST', body: 'a=b' });

    expect(response.status).toBe(200);
    expect(server.seen.map((seen) => [seen.method, seen.path, seen.body])).toEqual([
      ['POST', '/par?status=303', 'a=b'],
      ['GET', '/par/', ''],
    ]);
    expect(claimsOf(server.seen[1]!.dpop)?.htm).toBe('GET');
  });

  it('the nonce a redirect sends goes into the next hop’s proof', async () => {
    const dpop = createDPoP();

    await dpop.fetch(`${server.origin}/token?nonce=from-the-redirect`, { method: 'POST', body: 'a=b' });

    expect(server.seen.map((seen) => claimsOf(seen.dpop)?.nonce)).toEqual([undefined, 'from-the-redirect']);
  });

  it('answers a use_dpop_nonce from the end of a same-origin hop with one retry, followed again with fresh proofs', async () => {
    const dpop = createDPoP();

    const response = await dpop.fetch(`${server.origin}/nonce`, { method: 'POST', body: 'a=b' });

    expect(response.status).toBe(200);
    expect(server.seen.map((seen) => [seen.path, claimsOf(seen.dpop)?.nonce])).toEqual([
      ['/nonce', undefined],
      ['/nonce/', undefined],
      ['/nonce', 'server-nonce'],
      ['/nonce/', 'server-nonce'],
    ]);
    expect(new Set(server.seen.map((seen) => claimsOf(seen.dpop)?.jti)).size).toBe(4);
  });

  it('a use_dpop_nonce answering the GET a 303 made of a POST is returned as it is: the POST is never sent again', async () => {
    const events: string[] = [];
    const dpop = createDPoP({ onEvent: (event) => events.push(event.type) });

    const response = await dpop.fetch(`${server.origin}/nonce?status=303`, { method: 'POST', body: 'a=b' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'use_dpop_nonce' });
    expect(events).toEqual([]);
    // The nonce is kept: the caller's own GET of the result carries it.
    expect((await dpop.fetch(`${server.origin}/nonce/`)).status).toBe(200);
    expect(
      server.seen.map((seen) => [seen.method, seen.path, seen.body, claimsOf(seen.dpop)?.nonce]),
    ).toEqual([
      ['POST', '/nonce?status=303', 'a=b', undefined],
      ['GET', '/nonce/', '', undefined],
      ['GET', '/nonce/', '', 'server-nonce'],
    ]);
  });

  it('a use_dpop_nonce after a 307 the runtime followed (a Request input) is returned as it is: no retry, the POST sent once, its nonce kept for the final URL', async () => {
    const events: string[] = [];
    const dpop = createDPoP({ onEvent: (event) => events.push(event.type) });

    // The runtime re-sends the first proof at the hop: its htu names /nonce, not /nonce/. A retry to
    // /nonce would be redirected with a new proof for /nonce again; one to /nonce/ would go where the
    // caller never sent it, and a 303 (whose POST must not be repeated) looks the same from here.
    const response = await dpop.fetch(new Request(`${server.origin}/nonce`, { method: 'POST', body: 'a=b' }));

    expect(response.status).toBe(400);
    expect(response.redirected).toBe(true);
    expect(await response.json()).toEqual({ error: 'use_dpop_nonce' });
    expect(events).toEqual([]);
    // What the README says to do: call the final URL; its nonce is already there.
    const direct = await dpop.fetch(`${server.origin}/nonce/`, { method: 'POST', body: 'a=b' });
    expect(direct.status).toBe(200);
    expect(
      server.seen.map((seen) => [
        seen.method,
        seen.path,
        claimsOf(seen.dpop)?.htu,
        claimsOf(seen.dpop)?.nonce,
      ]),
    ).toEqual([
      ['POST', '/nonce', `${server.origin}/nonce`, undefined],
      ['POST', '/nonce/', `${server.origin}/nonce`, undefined],
      ['POST', '/nonce/', `${server.origin}/nonce/`, 'server-nonce'],
    ]);
  });

  it('a use_dpop_nonce asking again for the nonce a same-origin redirect taught the hop is nonce_unchanged: no retry, two requests', async () => {
    const dpop = createDPoP();
    const events: string[] = [];
    const watched = createDPoP({ onEvent: (event) => events.push(event.type) });

    const failure = await dpop
      .fetch(`${server.origin}/stubborn?nonce=server-nonce`, { method: 'POST', body: 'a=b' })
      .catch((error: unknown) => error);
    await watched
      .fetch(`${server.origin}/stubborn?nonce=server-nonce`, { method: 'POST', body: 'a=b' })
      .catch(() => undefined);

    expect(failure).toBeInstanceOf(DPoPNonceError);
    expect((failure as DPoPNonceError).failure).toBe('nonce_unchanged');
    expect(events).toEqual([]);
    // The hop's proof carried the nonce the redirect sent, and the challenge asked for that very nonce.
    expect(server.seen.map((seen) => [seen.path, claimsOf(seen.dpop)?.nonce])).toEqual([
      ['/stubborn?nonce=server-nonce', undefined],
      ['/stubborn/', 'server-nonce'],
      ['/stubborn?nonce=server-nonce', undefined],
      ['/stubborn/', 'server-nonce'],
    ]);
  });

  it('a redirect to another origin carries no proof and no Authorization there', async () => {
    const dpop = createDPoP();

    await dpop.fetch(`${server.origin}/token?to=${encodeURIComponent(`${second}/elsewhere/`)}`, {
      method: 'POST',
      headers: { authorization: 'Basic c2VjcmV0' },
      body: 'a=b',
    });

    expect(server.seen.map((seen) => [seen.host, seen.path, !!seen.dpop, seen.authorization])).toEqual([
      [`127.0.0.1:${server.port}`, expect.stringContaining('/token?to='), true, 'Basic c2VjcmV0'],
      [`localhost:${server.port}`, '/elsewhere/', false, null],
    ]);
  });

  it('a caller’s redirect: manual gets the 3xx itself: one request', async () => {
    const dpop = createDPoP();

    const response = await dpop.fetch(`${server.origin}/token`, {
      method: 'POST',
      body: 'a=b',
      redirect: 'manual',
    });

    expect(response.status).toBe(307);
    expect(server.seen).toHaveLength(1);
  });

  it('a Request input and a stream body are followed by the runtime with the first proof (documented): a strict server refuses the hop', async () => {
    const dpop = createDPoP();
    const stream = new ReadableStream({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode('a=b'));
        controller.close();
      },
    });

    const fromRequest = await dpop.fetch(
      new Request(`${server.origin}/token`, { method: 'POST', body: 'a=b' }),
    );
    const fromStream = await dpop.fetch(`${server.origin}/par?status=303`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);

    expect([fromRequest.status, fromStream.status]).toEqual([400, 400]);
    expect(server.seen.map((seen) => [seen.method, seen.path, claimsOf(seen.dpop)?.htu])).toEqual([
      ['POST', '/token', `${server.origin}/token`],
      ['POST', '/token/', `${server.origin}/token`],
      ['POST', '/par?status=303', `${server.origin}/par`],
      ['GET', '/par/', `${server.origin}/par`],
    ]);
  });
});
