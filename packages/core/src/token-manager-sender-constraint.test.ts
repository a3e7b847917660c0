import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { FetchLike } from './fetch-like.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { proofPerHop } from './redirects/proof-per-hop.js';
import { checkConstraintUse } from './resource-server/check-constraint-use.js';
import { checkSenderConstraint } from './resource-server/check-sender-constraint.js';
import { isNonceReplay } from './resource-server/is-nonce-replay.js';
import { senderConstrainedHeaders } from './resource-server/sender-constrained-headers.js';
import type { SenderConstraint } from './resource-server/sender-constraint.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.com/token';
/** What the token endpoint saw: the proof header of each request, and the grant. */
let seen: { proof: string | null; grant: string | null }[] = [];
let answerType = 'DPoP';
const server = setupServer(
  http.post(TOKEN_URL, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    seen.push({ proof: request.headers.get('x-proof'), grant: form.get('grant_type') });
    return HttpResponse.json({ access_token: `at-${seen.length}`, token_type: answerType, expires_in: 300 });
  }),
);
beforeAll(() =>
  server.listen({
    onUnhandledRequest: (request) => {
      throw new Error(`unexpected ${request.method} ${request.url}`);
    },
  }),
);
afterEach(() => {
  server.resetHandlers();
  seen = [];
  answerType = 'DPoP';
});
afterAll(() => server.close());

/** A stand-in for `createDPoP()`: marks each wrapped request, and records what it wrapped. */
function fakeConstraint() {
  const wrapped: (FetchLike | undefined)[] = [];
  const bound: TokenStorage[] = [];
  const constraint: SenderConstraint = {
    scheme: 'DPoP',
    headersFor: async () => ({ DPoP: 'proof' }),
    learn: () => {},
    isNonceChallenge: () => false,
    authorize: (set, method, url, header, put) =>
      senderConstrainedHeaders(constraint, set, method, url, header, put).then((sent) => sent.proof),
    rebind: (header) => proofPerHop(constraint, header),
    isNonceReplay: (...args) => isNonceReplay(constraint, ...args),
    checkUse: checkConstraintUse,
    wrapFetch(inner) {
      wrapped.push(inner);
      const send: FetchLike = inner ?? ((url, init) => globalThis.fetch(url, init));
      return (url, init) => send(url, { ...init, headers: { ...init.headers, 'x-proof': 'signed' } });
    },
    bindStorage(storage) {
      bound.push(storage);
      return storage;
    },
  };
  return { constraint, wrapped, bound };
}

describe('new TokenManager({ senderConstraint })', () => {
  it('sends refresh and client-credentials grants through the constraint, around the grant’s own fetch', async () => {
    const { constraint, wrapped } = fakeConstraint();
    const own: FetchLike = (url, init) => globalThis.fetch(url, init);
    const refreshing = new TokenManager({
      senderConstraint: constraint,
      fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'spa', fetch: own }),
      retry: false,
    });
    await refreshing.setTokens({
      access_token: 'old',
      token_type: 'DPoP',
      refresh_token: 'rt',
      expires_in: 0,
    });
    const service = new TokenManager({
      senderConstraint: constraint,
      fetchTokens: clientCredentialsGrant({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: 's3cret' }),
      retry: false,
    });

    expect(await refreshing.getAccessToken()).toBe('at-1');
    expect(await service.getAccessToken()).toBe('at-2');

    expect(seen).toEqual([
      { proof: 'signed', grant: 'refresh_token' },
      { proof: 'signed', grant: 'client_credentials' },
    ]);
    expect(wrapped).toEqual([own, undefined]);
    refreshing.dispose();
    service.dispose();
  });

  it('accepts only the constraint’s token type by default: a Bearer answer is a MalformedResponseError, never a downgrade', async () => {
    const { constraint } = fakeConstraint();
    answerType = 'Bearer';
    const tokens = new TokenManager({
      senderConstraint: constraint,
      fetchTokens: clientCredentialsGrant({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: 's3cret' }),
      retry: false,
    });

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(MalformedResponseError);
    await expect(tokens.setTokens({ access_token: 'x', token_type: 'Bearer' })).rejects.toBeInstanceOf(
      MalformedResponseError,
    );
    expect(tokens.peekTokens()).toBeUndefined();
    tokens.dispose();
  });

  it('binds the storage it is given, outside a crossTab wrapper, and exposes the constraint for the transports', () => {
    const { constraint, bound } = fakeConstraint();
    const storage = memoryStorage();
    const crossTabbed: TokenStorage = { ...memoryStorage() };
    const tokens = new TokenManager({
      senderConstraint: constraint,
      storage,
      crossTab: { wrapStorage: () => crossTabbed, lock: undefined } as never,
      fetchTokens: async () => ({ access_token: 'a', token_type: 'DPoP' }),
    });

    expect(bound).toEqual([crossTabbed]);
    expect(tokens.senderConstraint).toBe(constraint);
    expect(new TokenManager({ fetchTokens: async () => ({ access_token: 'a' }) }).senderConstraint).toBe(
      undefined,
    );
    tokens.dispose();
  });

  it('refuses a constraint that cannot sign token requests, and tokenTypes that leave its scheme out', () => {
    const { constraint } = fakeConstraint();
    const fetchTokens = async () => ({ access_token: 'a' });
    const { wrapFetch: _, ...transportOnly } = constraint;

    expect(() => new TokenManager({ fetchTokens, senderConstraint: transportOnly })).toThrow(
      /"senderConstraint" must be createDPoP\(\), with tokenTypes left out or listing its scheme/,
    );
    expect(() => new TokenManager({ fetchTokens, senderConstraint: 'dpop' as never })).toThrow(TypeError);
    expect(
      () => new TokenManager({ fetchTokens, senderConstraint: constraint, tokenTypes: ['Bearer'] }),
    ).toThrow(/"senderConstraint" must be createDPoP\(\), with tokenTypes left out or listing its scheme/);
    expect(
      new TokenManager({ fetchTokens, senderConstraint: constraint, tokenTypes: ['dpop'] }).senderConstraint,
    ).toBe(constraint);
  });
});

describe('the checks of the option read the object given', () => {
  it('takes a copy of the constraint ({ ...constraint }) in the manager and in its transports', () => {
    const copy = { ...fakeConstraint().constraint };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'a' }),
      senderConstraint: copy,
    });
    expect(checkSenderConstraint({}, 'withTokens()', tokens.senderConstraint)).toBe(copy);
    expect(checkSenderConstraint({ senderConstraint: copy }, 'kyHooks()', copy)).toBe(copy);
    tokens.dispose();
  });

  it('refuses a constraint without the members the manager and the transports call', () => {
    const { checkUse: _, ...older } = fakeConstraint().constraint;
    expect(
      () =>
        new TokenManager({
          fetchTokens: async () => ({ access_token: 'a' }),
          senderConstraint: older as never,
        }),
    ).toThrow(
      new TypeError(
        'new TokenManager(options): "senderConstraint" must be a SenderConstraint such as createDPoP(), got object',
      ),
    );
    expect(() => checkSenderConstraint({ senderConstraint: older }, 'withTokens()', undefined)).toThrow(
      new TypeError(
        'withTokens(): senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop',
      ),
    );
  });
});

describe('checkSenderConstraint with the manager’s constraint (what every transport calls)', () => {
  it('takes the manager’s constraint when the option is left out', () => {
    const { constraint } = fakeConstraint();
    expect(checkSenderConstraint({}, 'withTokens()', constraint)).toBe(constraint);
    expect(checkSenderConstraint({ senderConstraint: constraint }, 'withTokens()', constraint)).toBe(
      constraint,
    );
    expect(checkSenderConstraint({}, 'withTokens()', undefined)).toBeUndefined();
  });

  it('refuses another constraint than the manager’s, and a scheme beside the manager’s constraint', () => {
    const { constraint } = fakeConstraint();
    const other = fakeConstraint().constraint;
    expect(() => checkSenderConstraint({ senderConstraint: other }, 'withTokens()', constraint)).toThrow(
      /withTokens\(\): senderConstraint differs from the TokenManager's/,
    );
    expect(() => checkSenderConstraint({ scheme: 'Bearer' }, 'attachTokenManager()', constraint)).toThrow(
      /scheme cannot be combined with senderConstraint/,
    );
  });
});

describe('the shape check an app without a constraint carries', () => {
  it('asks the option for its checkUse only; checkUse (checkConstraintUse) asks for the members the transports call', () => {
    const seen: string[] = [];
    const minimal = { checkUse: (_: unknown, where: string) => seen.push(where) };
    expect(checkSenderConstraint({ senderConstraint: minimal }, 'withTokens()', undefined)).toBe(minimal);
    expect(seen).toEqual(['withTokens()']);
    for (const member of ['scheme', 'authorize', 'rebind', 'isNonceReplay'] as const) {
      const { [member]: _, ...without } = fakeConstraint().constraint;
      expect(() =>
        checkSenderConstraint({ senderConstraint: without }, 'attachTokenManager()', undefined),
      ).toThrow(
        new TypeError(
          'attachTokenManager(): senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop',
        ),
      );
    }
  });
});
