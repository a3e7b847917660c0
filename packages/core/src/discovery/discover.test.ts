import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../errors/abort-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { HttpError } from '../errors/http-error.js';
import { NetworkError } from '../errors/network-error.js';
import { discover } from './discover.js';
import { metadataUrls } from './metadata-urls.js';

const server = setupServer();
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** A fresh issuer per test: lookups are cached per issuer. */
let counter = 0;
function issuer(): string {
  counter += 1;
  return `https://auth-${counter}.example.test`;
}

/** Serves `body` at `url` and counts the requests. */
function metadata(url: string, body: unknown, init?: ResponseInit): { count: number } {
  const seen = { count: 0 };
  server.use(
    http.get(url, () => {
      seen.count += 1;
      return typeof body === 'string'
        ? new HttpResponse(body, init)
        : HttpResponse.json(body as Record<string, unknown>, init);
    }),
  );
  return seen;
}
const rfc8414 = (iss: string) => `${iss}/.well-known/oauth-authorization-server`;
const oidc = (iss: string) => `${iss}/.well-known/openid-configuration`;

describe('discover', () => {
  it('puts the RFC 8414 segment before the issuer path and the OIDC one after it', () => {
    expect(metadataUrls(new URL('https://auth.test/tenant/a')).map(String)).toEqual([
      'https://auth.test/.well-known/oauth-authorization-server/tenant/a',
      'https://auth.test/tenant/a/.well-known/openid-configuration',
    ]);
    expect(metadataUrls(new URL('https://auth.test/')).map(String)).toEqual([
      'https://auth.test/.well-known/oauth-authorization-server',
      'https://auth.test/.well-known/openid-configuration',
    ]);
  });

  it('returns RFC 8414 metadata, read once for 300 concurrent callers and kept afterwards', async () => {
    const iss = issuer();
    const document = {
      issuer: iss,
      token_endpoint: `${iss}/token`,
      revocation_endpoint: `${iss}/revoke`,
      authorization_endpoint: `${iss}/authorize`,
      code_challenge_methods_supported: ['S256'],
      custom_field: 42,
    };
    const rfc = metadata(rfc8414(iss), document);
    const fallback = metadata(oidc(iss), {}, { status: 500 });

    const results = await Promise.all(Array.from({ length: 300 }, () => discover(iss)));
    expect(await discover(iss)).toEqual(document);

    expect(new Set(results).size).toBe(1);
    expect(results[0]).toEqual(document);
    expect(rfc.count).toBe(1);
    expect(fallback.count).toBe(0);
  });

  it('hands every caller metadata none of them can change: the object, its arrays and its objects are frozen', async () => {
    const iss = issuer();
    metadata(rfc8414(iss), {
      issuer: iss,
      token_endpoint: `${iss}/token`,
      scopes_supported: ['openid'],
      mtls_endpoint_aliases: { token_endpoint: `${iss}/mtls/token` },
    });
    const first = await discover(iss);
    expect(() => {
      first.token_endpoint = 'https://attacker.example.test/token';
    }).toThrow(TypeError);
    expect(() => first.scopes_supported?.push('admin')).toThrow(TypeError);
    expect(() => {
      (first.mtls_endpoint_aliases as Record<string, string>).token_endpoint =
        'https://attacker.example.test/token';
    }).toThrow(TypeError);

    const second = await discover(iss);
    expect(second.token_endpoint).toBe(`${iss}/token`);
    expect(second.scopes_supported).toEqual(['openid']);
    expect(second.mtls_endpoint_aliases).toEqual({ token_endpoint: `${iss}/mtls/token` });
  });

  it('caches per fetch: another fetch looks again', async () => {
    const iss = issuer();
    const rfc = metadata(rfc8414(iss), { issuer: iss, token_endpoint: `${iss}/token` });
    const other: typeof fetch = (input, init) => fetch(input, init);
    await discover(iss);
    await discover(iss, { fetch: other });
    await discover(iss, { fetch: other });
    expect(rfc.count).toBe(2);
  });

  it('keeps the last 100 issuers per fetch: the first of 101 is looked up again, the others are not', async () => {
    const issuers = Array.from({ length: 101 }, () => issuer());
    const counts = issuers.map((iss) =>
      metadata(rfc8414(iss), { issuer: iss, token_endpoint: `${iss}/token` }),
    );
    const own: typeof fetch = (input, init) => fetch(input, init);
    for (const iss of issuers) await discover(iss, { fetch: own });
    expect(counts.map((seen) => seen.count)).toEqual(issuers.map(() => 1));

    await Promise.all(issuers.slice(2).map((iss) => discover(iss, { fetch: own })));
    expect(counts.slice(2).every((seen) => seen.count === 1)).toBe(true);
    await discover(issuers[0] as string, { fetch: own });
    expect(counts[0]?.count).toBe(2);
    // Looking the first one up again forgot the second, the oldest left.
    await discover(issuers[1] as string, { fetch: own });
    expect(counts[1]?.count).toBe(2);
  });

  it('falls back to OpenID Connect discovery when RFC 8414 metadata is missing or not JSON', async () => {
    for (const [body, status] of [
      ['Not Found', 404],
      ['<html>app shell</html>', 200],
      [null, 302],
    ] as const) {
      const iss = issuer();
      const rfc = metadata(rfc8414(iss), body ?? '', { status, headers: { Location: 'https://evil.test/' } });
      metadata(oidc(iss), { issuer: iss, token_endpoint: `${iss}/oidc/token` });
      expect((await discover(iss)).token_endpoint).toBe(`${iss}/oidc/token`);
      expect(rfc.count).toBe(1);
    }
  });

  it('rejects metadata whose issuer differs from the configured one', async () => {
    const iss = issuer();
    metadata(rfc8414(iss), { issuer: `${iss}/`, token_endpoint: `${iss}/token` });
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ code: 'DISCOVERY_FAILED', reason: 'issuer_mismatch', issuer: iss });
    expect((error as Error).message).toContain(`names "${iss}/"`);
  });

  it('quotes a mismatched issuer printable and cut at 200 characters (decision 1106)', async () => {
    const iss = issuer();
    const named = `${iss}/\n[INFO] ok \u202Egnp.exe${'/'.repeat(300)}`;
    metadata(rfc8414(iss), { issuer: named, token_endpoint: `${iss}/token` });
    metadata(oidc(iss), { issuer: named, token_endpoint: `${iss}/token` });
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'issuer_mismatch' });
    const message = (error as Error).message;
    expect(message).not.toMatch(/[\n\u202E]/);
    expect(message).toContain(`names "${iss}/\uFFFD[INFO] ok \uFFFDgnp.exe`);
    expect(message).toContain('…"; the issuer must be identical');
  });

  it('rejects an http token endpoint for an https issuer, and any other endpoint that is not https', async () => {
    const iss = issuer();
    metadata(rfc8414(iss), { issuer: iss, token_endpoint: 'http://auth.example.test/token' });
    await expect(discover(iss)).rejects.toMatchObject({ reason: 'invalid_token_endpoint' });

    const other = issuer();
    metadata(rfc8414(other), {
      issuer: other,
      token_endpoint: `${other}/token`,
      revocation_endpoint: 'http://auth.example.test/revoke',
    });
    await expect(discover(other)).rejects.toMatchObject({ reason: 'invalid_endpoint' });
  });

  it('refuses an endpoint with a fragment (RFC 6749 §3.1, §3.2), as a configured endpoint URL is refused', async () => {
    const iss = issuer();
    metadata(rfc8414(iss), { issuer: iss, token_endpoint: `${iss}/token#frag` });
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_token_endpoint' });
    expect((error as Error).message).toContain(
      'token_endpoint (an absolute https URL without credentials or fragment',
    );

    for (const field of ['authorization_endpoint', 'revocation_endpoint', 'end_session_endpoint']) {
      const other = issuer();
      metadata(rfc8414(other), { issuer: other, token_endpoint: `${other}/token`, [field]: `${other}/x#y` });
      await expect(discover(other)).rejects.toMatchObject({ reason: 'invalid_endpoint' });
    }
  });

  it('checks the RFC 8705 mtls_endpoint_aliases as it checks the endpoints they stand for', async () => {
    const iss = issuer();
    const aliases = { token_endpoint: 'https://mtls.example.test/token', registration_endpoint: 'x' };
    metadata(rfc8414(iss), { issuer: iss, token_endpoint: `${iss}/token`, mtls_endpoint_aliases: aliases });
    expect((await discover(iss)).mtls_endpoint_aliases).toEqual(aliases);

    for (const [field, value, reason] of [
      ['token_endpoint', 'http://mtls.example.test/token', 'invalid_token_endpoint'],
      ['token_endpoint', 'https://mtls.example.test/token#x', 'invalid_token_endpoint'],
      ['revocation_endpoint', 'https://user:pw@mtls.example.test/revoke', 'invalid_endpoint'],
    ]) {
      const other = issuer();
      metadata(rfc8414(other), {
        issuer: other,
        token_endpoint: `${other}/token`,
        mtls_endpoint_aliases: { [field as string]: value },
      });
      const error = await discover(other).catch((e: unknown) => e);
      expect(error).toMatchObject({ reason });
      expect((error as Error).message).toContain(`no usable mtls_endpoint_aliases.${field} (`);
    }
  });

  it('says which URLs it tried when neither has metadata', async () => {
    const iss = issuer();
    metadata(rfc8414(iss), 'nope', { status: 404 });
    metadata(oidc(iss), 'gone', { status: 410 });
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'not_found' });
    expect((error as Error).message).toBe(
      `Discovery of ${iss} failed: no metadata at ${rfc8414(iss)} (HTTP 404) nor at ${oidc(iss)} (HTTP 410)`,
    );
  });

  it('does not cache a failed lookup: the next call looks again', async () => {
    const iss = issuer();
    const down = metadata(rfc8414(iss), 'down', { status: 503 });
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toBe(`Discovery request failed with HTTP 503 — GET ${rfc8414(iss)}`);

    server.resetHandlers();
    const up = metadata(rfc8414(iss), { issuer: iss, token_endpoint: `${iss}/token` });
    expect((await discover(iss)).token_endpoint).toBe(`${iss}/token`);
    expect(down.count).toBe(1);
    expect(up.count).toBe(1);
  });

  it('reports no response as NetworkError naming the metadata URL', async () => {
    const iss = issuer();
    server.use(http.get(rfc8414(iss), () => HttpResponse.error()));
    const error = await discover(iss).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain(`Discovery request failed before any response`);
    expect((error as Error).message).toContain(`GET ${rfc8414(iss)}`);
  });

  it('aborts the shared lookup only when every waiting caller has aborted', async () => {
    const iss = issuer();
    let release: () => void = () => {};
    let lookupSignal: AbortSignal | undefined;
    const held: typeof fetch = (_input, init) => {
      lookupSignal = init?.signal ?? undefined;
      return new Promise((resolve, reject) => {
        release = () => resolve(Response.json({ issuer: iss, token_endpoint: `${iss}/token` }));
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    };
    const first = new AbortController();
    const second = new AbortController();
    const a = discover(iss, { fetch: held, signal: first.signal }).catch((e: unknown) => e);
    const b = discover(iss, { fetch: held, signal: second.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));

    first.abort(new Error('first left'));
    expect(await a).toBeInstanceOf(AbortError);
    expect(lookupSignal?.aborted).toBe(false);

    second.abort(new Error('second left'));
    expect(await b).toBeInstanceOf(AbortError);
    expect(lookupSignal?.aborted).toBe(true);
    release();
  });

  it('refuses an http issuer off loopback, with credentials, or with a query, without a request', async () => {
    await expect(discover('http://auth.example.test')).rejects.toThrow(
      /discover: issuer uses http:.*allowInsecureHttp: true/,
    );
    const error = await discover('https://admin:hunter22@auth.example.test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('hunter22');
    await expect(discover('https://auth.example.test?tenant=a')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('discover with an already aborted signal', () => {
  it('rejects that caller at once without stopping the lookup others wait for', async () => {
    const iss = issuer();
    let release: () => void = () => {};
    let lookupSignal: AbortSignal | undefined;
    const held: typeof fetch = (_input, init) => {
      lookupSignal = init?.signal ?? undefined;
      return new Promise((resolve) => {
        release = () => resolve(Response.json({ issuer: iss, token_endpoint: `${iss}/token` }));
      });
    };
    const waiting = new AbortController();
    const pending = discover(iss, { fetch: held, signal: waiting.signal });
    await new Promise((resolve) => setImmediate(resolve));

    const late = await discover(iss, { fetch: held, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(AbortError);
    expect(lookupSignal?.aborted).toBe(false);

    release();
    expect((await pending).token_endpoint).toBe(`${iss}/token`);
  });

  it('never aborts a lookup a caller without a signal waits for', async () => {
    const iss = issuer();
    let release: () => void = () => {};
    let lookupSignal: AbortSignal | undefined;
    const held: typeof fetch = (_input, init) => {
      lookupSignal = init?.signal ?? undefined;
      return new Promise((resolve) => {
        release = () => resolve(Response.json({ issuer: iss, token_endpoint: `${iss}/token` }));
      });
    };
    const patient = discover(iss, { fetch: held });
    const impatient = new AbortController();
    const leaving = discover(iss, { fetch: held, signal: impatient.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));

    impatient.abort();
    expect(await leaving).toBeInstanceOf(AbortError);
    expect(lookupSignal?.aborted).toBe(false);
    release();
    expect((await patient).token_endpoint).toBe(`${iss}/token`);
  });
});
