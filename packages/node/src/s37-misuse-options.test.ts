import { DisposedError, isTesseraError } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import type { ClientCredentials } from './client-credentials.js';
import { clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions } from './client-credentials-options.js';

const base = { tokenUrl: 'https://auth.example.com/token', clientId: 'svc', clientSecret: 'shh' };
const loosely = (options: Record<string, unknown>): ClientCredentialsOptions =>
  ({ ...base, ...options }) as unknown as ClientCredentialsOptions;

describe('clientCredentials boolean options from JavaScript callers', () => {
  // `refreshInBackground: process.env.REFRESH_IN_BACKGROUND` ('false') turned background refresh on.
  it.each([
    ['refreshInBackground', 'false', 'string'],
    ['refreshInBackground', 1, 'number'],
    ['allowInsecureHttp', 'true', 'string'],
    ['allowInsecureHttp', Number.NaN, 'number'],
  ])('refuses %s: %s with a TypeError naming the option', (name, value, got) => {
    expect(() => clientCredentials(loosely({ [name]: value }))).toThrow(
      new TypeError(`clientCredentials: ${name} must be true or false, got ${got}`),
    );
  });

  it('takes true, false and null', () => {
    const clients: ClientCredentials[] = [];
    for (const value of [true, false, null]) {
      clients.push(clientCredentials(loosely({ refreshInBackground: value, allowInsecureHttp: value })));
    }
    for (const client of clients) client.dispose();
    expect(clients).toHaveLength(3);
  });
});

describe('clientCredentials after dispose()', () => {
  it('rejects with DisposedError and leaves no timer behind, background refresh on', async () => {
    vi.useFakeTimers();
    try {
      const fetch = vi.fn(async () =>
        Response.json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300 }),
      );
      const client = clientCredentials(loosely({ refreshInBackground: true, fetch }));
      const scoped = client.for({ scope: 'reports' });
      expect(await client.getAccessToken()).toBe('at-1');
      expect(await scoped.getAccessToken()).toBe('at-1');
      expect(vi.getTimerCount()).toBeGreaterThan(0); // the background refreshes
      client.dispose();
      client.dispose(); // twice: a no-op
      expect(vi.getTimerCount()).toBe(0);
      await expect(client.getAccessToken()).rejects.toSatisfy((error) => isTesseraError(error, 'DISPOSED'));
      await expect(scoped.getTokens()).rejects.toSatisfy((error) => isTesseraError(error, 'DISPOSED'));
      expect(() => client.for({ scope: 'other' })).toThrow(DisposedError);
      expect(() => client.subscribe(() => {})).toThrow(DisposedError);
      expect(fetch).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
