import type { TokenStorage } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { sha256 } from '../test/sha256.js';
import { sharedStorage } from '../test/shared-storage.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
});
afterAll(() => server.close());

const clients: ClientCredentials[] = [];

/** A client of tenant `extraParams`, with the same client id, secret and endpoint as every other. */
function tenant(extraParams: Record<string, string | string[]>, storage: (key: string) => TokenStorage) {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    clientSecret: SECRET,
    extraParams,
    storage,
    retry: false,
  });
  clients.push(created);
  return created;
}

describe('clients that differ only in extraParams (tenants)', () => {
  it("never get each other's token from a shared storage: one request per tenant for 400 concurrent callers", async () => {
    const seen = tokenEndpoint(server, (request, n) =>
      HttpResponse.json({ access_token: `at-${request.form.get('tenant')}-${n}`, expires_in: 3600 }),
    );
    const storage = sharedStorage();
    const acme = tenant({ tenant: 'acme' }, storage);
    const globex = tenant({ tenant: 'globex' }, storage);
    expect(await acme.getAccessToken()).toBe('at-acme-1');

    const tokens = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        (i % 2 === 0 ? acme : globex).for({ scope: 'read' }).getAccessToken(),
      ),
    );

    const ofAcme = new Set(tokens.filter((_, i) => i % 2 === 0));
    const ofGlobex = new Set(tokens.filter((_, i) => i % 2 === 1));
    expect(ofAcme.size).toBe(1);
    expect(ofGlobex.size).toBe(1);
    expect([...ofAcme][0]).toMatch(/^at-acme-/);
    expect([...ofGlobex][0]).toMatch(/^at-globex-/);
    expect(await globex.getAccessToken()).toBe('at-globex-4');
    expect(seen.map(({ form }) => form.get('tenant')).sort()).toEqual(['acme', 'acme', 'globex', 'globex']);
  });

  it('share a token when their parameters are equal, whatever the order of the names', async () => {
    const seen = tokenEndpoint(server);
    const storage = sharedStorage();
    const one = tenant({ tenant: 'acme', region: 'eu' }, storage);
    const other = tenant({ region: 'eu', tenant: 'acme' }, storage);

    expect(await one.getAccessToken()).toBe('at-1');
    expect(await other.getAccessToken()).toBe('at-1');
    expect(other.key).toBe(one.key);
    expect(seen).toHaveLength(1);
  });

  it('have keys that end with their form-encoded parameters, so no separator inside can collide', () => {
    const storage = sharedStorage();
    const keys = [
      tenant({ tenant: 'acme' }, storage).key,
      tenant({ tenant: 'acme|x' }, storage).key,
      tenant({ tenant: 'acme', x: '' }, storage).key,
      tenant({ tenant: 'acme&x=' }, storage).key,
      tenant({ tenant: ['acme', 'x'] }, storage).key,
      tenant({ tenant: ['x', 'acme'] }, storage).key,
      tenant({}, storage).key,
    ];

    // The parameters appear only as the SHA-256 of the full key: a tenant's API key never reaches Redis (0407).
    expect(keys[0]).toBe(`billing@${TOKEN_URL}||||#${sha256(`billing@${TOKEN_URL}||||tenant=acme`)}`);
    expect(keys[1]).toBe(`billing@${TOKEN_URL}||||#${sha256(`billing@${TOKEN_URL}||||tenant=acme%7Cx`)}`);
    expect(keys[6]).toBe(`billing@${TOKEN_URL}|||`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("file no tenant's token under another's key when the caller changes an extraParams array after creating the client", async () => {
    const seen = tokenEndpoint(server, (request, n) =>
      HttpResponse.json({
        access_token: `at-${request.form.getAll('tenant').join('+')}-${n}`,
        expires_in: 3600,
      }),
    );
    const storage = sharedStorage();
    const tenants = ['acme'];
    const acme = tenant({ tenant: tenants }, storage);
    const { key } = acme;
    tenants[0] = 'globex'; // e.g. a list reused while configuring the next tenant's client

    // The key still names acme, so what is stored under it must be acme's token.
    expect(await acme.getAccessToken()).toBe('at-acme-1');
    expect(await acme.for({ scope: 'read' }).getAccessToken()).toBe('at-acme-2');
    expect(acme.key).toBe(key);
    expect(acme.for({ scope: 'read' }).key).toBe(
      `billing@${TOKEN_URL}|read|||#${sha256(`billing@${TOKEN_URL}|read|||tenant=acme`)}`,
    );
    expect(seen.map(({ form }) => form.getAll('tenant'))).toEqual([['acme'], ['acme']]);
  });
});
