import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

/** Stop 38: the kit as a team writing tests uses it, following README.md. */
const api = 'https://api.example.test';
const auth = createAuthServer();
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

const clientCredentials = {
  form: { grant_type: 'client_credentials' },
  basic: ['service', 'service-secret'] as [string, string],
};

describe('failNextTokenRequests answers only what a server may send', () => {
  it('a planned 401 carries WWW-Authenticate: Basic realm="<issuer>", as every 401 must (RFC 9110 §15.5.2)', async () => {
    auth.failNextTokenRequests(1, { status: 401, error: 'invalid_client' });
    const response = await postToken(auth.tokenUrl, clientCredentials);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="https://auth.example.test"');
    expect((await response.json()).error).toBe('invalid_client');
  });

  it('refuses, when planned, a retryAfter that is not whole seconds and an error outside RFC 6749 §A.7', () => {
    const where = 'auth.failNextTokenRequests(count, failure)';
    for (const retryAfter of [-5, 1.5, Number.NaN]) {
      expect(() => auth.failNextTokenRequests(1, { retryAfter })).toThrow(
        new RangeError(
          `${where}: retryAfter is whole seconds ≥ 0 (Retry-After has no fractions or signs), got ${retryAfter}.`,
        ),
      );
    }
    for (const error of ['', 'bad "quote"', 'back\\slash', 'naïve', 42 as unknown as string]) {
      expect(() => auth.failNextTokenRequests(1, { error })).toThrow(
        new TypeError(
          `${where}: error must be a non-empty string of printable ASCII without " or \\ (RFC 6749 Appendix A), such as 'temporarily_unavailable'.`,
        ),
      );
    }
    // Nothing was queued: the next request is answered.
    expect(
      auth.failNextTokenRequests(1, { retryAfter: 0, error: 'temporarily_unavailable' }),
    ).toBeUndefined();
    expect(auth.failNextTokenRequests(1, { retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' })).toBeUndefined();
  });
});

describe('errors say what is wrong with a number given as a string', () => {
  it('names the string, not a value that looks right ("got 300000")', () => {
    const cases: [() => unknown, string][] = [
      [
        () => createAuthServer({ accessTokenLifetime: '300000' as never }),
        'accessTokenLifetime must be a positive number of milliseconds, got the string "300000".',
      ],
      [
        () => auth.setLatency('100' as never),
        'latency must be a non-negative number of milliseconds, got the string "100".',
      ],
      [
        () => auth.failNextTokenRequests('2' as never),
        'failNextTokenRequests expects a whole number of requests, got the string "2".',
      ],
      [
        () => auth.failNextTokenRequests(1, { status: '503' as never }),
        'failNextTokenRequests expects a status from 200 to 599, got the string "503".',
      ],
      [
        () => createTestClock('1767225600000' as never),
        'Expected a finite number of milliseconds, got the string "1767225600000".',
      ],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
  });
});

describe('options a server would take and then misuse are refused when given', () => {
  it('refuses an issuer with a query or fragment (RFC 8414 §2), whose endpoints would be unreachable', () => {
    for (const issuer of ['https://auth.example.test/?tenant=a', 'https://auth.example.test/#x']) {
      expect(() => createAuthServer({ issuer })).toThrow(
        new TypeError(
          'createAuthServer(options): issuer must be an absolute URL string without query or fragment, such as https://auth.example.test',
        ),
      );
    }
  });

  it('refuses an audience that is not a string, instead of minting tokens no protectedApi accepts', () => {
    expect(() => createAuthServer({ audience: 5 as never })).toThrow(
      new TypeError(
        'createAuthServer(options): audience must be a string such as https://api.example.test, got number',
      ),
    );
  });

  it('rejects an issueTokens option that is not a string with a TypeError naming it', async () => {
    await expect(auth.issueTokens({ scope: ['read', 'write'] as never })).rejects.toThrow(
      new TypeError('auth.issueTokens(options): scope must be a string, got object'),
    );
    await expect(auth.issueTokens({ audience: 5 as never })).rejects.toThrow(
      new TypeError('auth.issueTokens(options): audience must be a string, got number'),
    );
  });
});

describe('logs under load (found sound)', () => {
  it('logs 500 concurrent API calls, token and revocation requests exactly once each', async () => {
    const { access_token, refresh_token = '' } = await auth.issueTokens();
    const headers = { authorization: `Bearer ${access_token}` };
    const many = <T>(make: (index: number) => Promise<T>) =>
      Promise.all(Array.from({ length: 500 }, (_, i) => make(i)));
    await many((i) => fetch(`${api}/orders/${i}`, { headers }));
    await many(() => postToken(auth.tokenUrl, clientCredentials));
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = `token=${refresh_token}&client_id=web`;
    await many(() => fetch(auth.revocationUrl, { method: 'POST', headers: form, body }));
    expect(new Set(auth.apiRequests.map((entry) => entry.url)).size).toBe(500);
    expect(auth.apiRequests).toHaveLength(500);
    expect([auth.tokenRequestCount, auth.tokenRequests.length, auth.revocationRequests.length]).toEqual([
      500, 500, 500,
    ]);
  }, 60_000);
});

describe('an issuer the URL parser rewrites', () => {
  it.each([
    [
      'a quote and a backslash',
      'https://auth.example.test/te"na\\nt',
      'https://auth.example.test/te%22na/nt',
    ],
    [
      'a space and non-ASCII',
      'https://auth.example.test/bü cher',
      'https://auth.example.test/b%C3%BC%20cher',
    ],
    ['an upper-case host', 'https://Auth.Example.test', 'https://auth.example.test'],
  ])(
    'is refused at creation (%s): its endpoints would match no request and its 401 realm no header',
    (_, issuer, parsed) => {
      expect(() => createAuthServer({ issuer })).toThrow(
        new TypeError(
          `createAuthServer(options): issuer must be written as the URL parser writes it: ${JSON.stringify(parsed)}, not ${JSON.stringify(issuer)}`,
        ),
      );
    },
  );

  it('accepts one written as the parser writes it, with or without the trailing slash of a bare origin', () => {
    for (const issuer of [
      'https://auth.example.test',
      'https://auth.example.test/',
      'https://auth.example.test/tenants/a',
    ]) {
      expect(createAuthServer({ issuer }).issuer).toBe(issuer.replace(/\/$/, ''));
    }
  });
});
