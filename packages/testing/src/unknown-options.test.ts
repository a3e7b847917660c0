import { describe, expect, it } from 'vitest';
import type { AuthServerOptions } from './auth-server-options.js';
import { createAuthServer } from './create-auth-server.js';

/** What a plain-JavaScript caller (or a cast) can pass: TypeScript refuses these literals. */
const loosely = (options: Record<string, unknown>): AuthServerOptions => options as AuthServerOptions;

describe('createAuthServer options', () => {
  it("refuses oidc-provider's rotateRefreshToken and suggests rotateRefreshTokens", () => {
    expect(() => createAuthServer(loosely({ rotateRefreshToken: false }))).toThrow(
      new TypeError(
        'createAuthServer(options): unknown option "rotateRefreshToken" — did you mean "rotateRefreshTokens"?',
      ),
    );
  });

  it.each([
    [{ Issuer: 'https://a.test' }, 'issuer'],
    [{ refreshTokenLifeTime: 60_000 }, 'refreshTokenLifetime'],
    [{ audiences: 'https://api.test' }, 'audience'],
    [{ client: [] }, 'clients'],
  ])('suggests the nearest known name for %o', (options, nearest) => {
    expect(() => createAuthServer(loosely(options))).toThrow(new RegExp(`did you mean "${nearest}"\\?$`));
  });

  // A string was searched as text: `resources: 'https://api.example.test'` accepted `https://api` too.
  it.each([['https://api.example.test'], [[42]], [{}]])(
    'refuses resources %j that is not an array of strings',
    (resources) => {
      expect(() => createAuthServer(loosely({ resources }))).toThrow(
        new TypeError(
          "createAuthServer(options): resources must be an array of resource URIs, e.g. ['https://api.example.test']",
        ),
      );
    },
  );

  it('lists the known options when nothing is close, and never shows the value', () => {
    const call = (): unknown => createAuthServer(loosely({ jwks: 'private-key-material' }));
    expect(call).toThrow(TypeError);
    expect(call).toThrow(
      /unknown option "jwks" — known options: issuer, clients, users, .*clock, resources$/,
    );
    expect(call).not.toThrow(/private-key-material/);
  });

  it('refuses an unknown key of a client or a user, e.g. client_id and client_secret', () => {
    expect(() => createAuthServer(loosely({ clients: [{ clientId: 'web' }, { client_id: 'svc' }] }))).toThrow(
      'createAuthServer(options): clients[1]: unknown option "client_id" — did you mean "clientId"?',
    );
    expect(() =>
      createAuthServer(loosely({ clients: [{ clientId: 'svc', client_secret: 'hunter2' }] })),
    ).toThrow(/clients\[0\]: unknown option "client_secret" — did you mean "clientSecret"\?$/);
    expect(() => createAuthServer(loosely({ users: [{ username: 'alice', pasword: 'x' }] }))).toThrow(
      /users\[0\]: unknown option "pasword" — did you mean "password"\?$/,
    );
  });

  // oidc-provider registers no such client ("invalid client_id value"); the kit took it and then
  // answered its Basic credentials 400 invalid_request on every token request.
  it.each([
    ['clientId', { clientId: 'wéb' }, 'another character'],
    ['clientId', { clientId: 'web\n' }, 'another character'],
    ['clientId', { clientId: '' }, 'an empty string'],
    ['clientId', { clientId: 42 }, 'number'],
    ['clientId', {}, 'undefined'],
    ['clientSecret', { clientId: 'svc', clientSecret: 'hunter2-é' }, 'another character'],
    ['clientSecret', { clientId: 'svc', clientSecret: 'hunter2\u0000' }, 'another character'],
    ['clientSecret', { clientId: 'svc', clientSecret: '' }, 'an empty string'],
    ['clientSecret', { clientId: 'svc', clientSecret: null }, 'object'],
  ])('refuses a %s oidc-provider would not register (%j), never showing it', (key, client, got) => {
    const call = (): unknown => createAuthServer(loosely({ clients: [{ clientId: 'web' }, client] }));
    expect(call).toThrow(
      new TypeError(
        `createAuthServer(options): clients[1].${key} must be a non-empty string of printable ASCII (RFC 6749 VSCHAR), as oidc-provider requires; got ${got}.`,
      ),
    );
    expect(call).not.toThrow(/hunter2|wéb/);
  });

  it('accepts any printable ASCII client id and secret, spaces and separators included', () => {
    const clients = [{ clientId: 'odd id:&=?', clientSecret: ' ~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}' }];
    expect(() => createAuthServer({ clients })).not.toThrow();
  });

  it('accepts every documented option, and keys whose value is undefined', () => {
    expect(() =>
      createAuthServer({
        issuer: 'https://auth.example.test',
        clients: [
          { clientId: 'web', grantTypes: ['refresh_token'] },
          { clientId: 'svc', clientSecret: 's' },
        ],
        users: [{ username: 'alice', password: 'x' }],
        accessTokenLifetime: 60_000,
        refreshTokenLifetime: 120_000,
        rotateRefreshTokens: false,
        clock: () => 0,
        audience: 'https://api.example.test',
        ...loosely({ rotateRefreshToken: undefined }),
      }),
    ).not.toThrow();
  });

  it('refuses options that are not an object', () => {
    expect(() => createAuthServer(loosely(null as never))).toThrow(
      new TypeError('createAuthServer(options) must be an object, got null'),
    );
  });
});

describe('auth.protectedApi options', () => {
  it('refuses requiredScopes and suggests requiredScope', () => {
    const auth = createAuthServer();
    expect(() => auth.protectedApi('https://api.example.test', { requiredScopes: 'a' } as never)).toThrow(
      'auth.protectedApi(baseUrl, options): unknown option "requiredScopes" — did you mean "requiredScope"?',
    );
  });
});

describe('auth.issueTokens options', () => {
  it('rejects client_id and suggests clientId', async () => {
    const auth = createAuthServer();
    await expect(auth.issueTokens({ client_id: 'web' } as never)).rejects.toThrow(
      new TypeError('auth.issueTokens(options): unknown option "client_id" — did you mean "clientId"?'),
    );
  });

  it('rejects scopes and suggests scope; lists the known options when nothing is close', async () => {
    const auth = createAuthServer();
    await expect(auth.issueTokens({ scopes: 'read' } as never)).rejects.toThrow(/did you mean "scope"\?$/);
    await expect(auth.issueTokens({ subject: 'alice' } as never)).rejects.toThrow(
      'auth.issueTokens(options): unknown option "subject" — known options: username, clientId, scope, audience',
    );
  });

  it('accepts every documented option', async () => {
    const auth = createAuthServer();
    const issued = await auth.issueTokens({
      username: 'alice',
      clientId: 'web',
      scope: 'read',
      audience: 'https://api.example.test',
    });
    expect(issued.scope).toBe('read');
  });
});

describe('auth.failNextTokenRequests failure', () => {
  it('refuses retry_after and suggests retryAfter, never showing the value', () => {
    const auth = createAuthServer();
    const call = (): void => auth.failNextTokenRequests(1, { retry_after: 'secret-ish' } as never);
    expect(call).toThrow(
      new TypeError(
        'auth.failNextTokenRequests(count, failure): unknown option "retry_after" — did you mean "retryAfter"?',
      ),
    );
    expect(call).not.toThrow(/secret-ish/);
  });

  it('refuses statusCode, listing the known keys, and a bare status number', () => {
    const auth = createAuthServer();
    expect(() => auth.failNextTokenRequests(1, { statusCode: 500 } as never)).toThrow(
      /unknown option "statusCode" — known options: status, retryAfter, error, body$/,
    );
    expect(() => auth.failNextTokenRequests(2, 503 as never)).toThrow(
      new TypeError('auth.failNextTokenRequests(count, failure) must be an object, got number'),
    );
  });
});
