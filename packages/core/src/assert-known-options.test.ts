import { describe, expect, it } from 'vitest';
import { assertKnownOptions, suggestKey } from './assert-known-options.js';

describe('assertKnownOptions', () => {
  const known = ['tokenUrl', 'clientId', 'clientSecret', 'scope'];

  it('accepts known keys and keys set to undefined', () => {
    expect(() =>
      assertKnownOptions({ tokenUrl: 'x', clientId: 'y', scopes: undefined }, known, 'f()'),
    ).not.toThrow();
  });

  it('throws a TypeError naming the factory, the key and the nearest known key', () => {
    expect(() => assertKnownOptions({ clientID: 'y' }, known, 'clientCredentials(options)')).toThrow(
      new TypeError('clientCredentials(options): unknown option "clientID" — did you mean "clientId"?'),
    );
    expect(() => assertKnownOptions({ tokenURL: 'x' }, known, 'f()')).toThrow(/did you mean "tokenUrl"/);
    expect(() => assertKnownOptions({ scopes: 'a' }, known, 'f()')).toThrow(/did you mean "scope"/);
  });

  it('lists the known keys when none is near, and never shows the value', () => {
    expect(() => assertKnownOptions({ password: 'hunter2' }, known, 'f()')).toThrow(
      'f(): unknown option "password" — known options: tokenUrl, clientId, clientSecret, scope',
    );
  });

  it('refuses options that are not an object, naming the factory and only the type', () => {
    expect(() => assertKnownOptions('Authorization', known, 'f()')).toThrow(
      new TypeError('f(): options must be an object, got string'),
    );
    expect(() => assertKnownOptions(null, known, 'f()')).toThrow('f(): options must be an object, got null');
  });

  it('says what replaced a renamed or removed option', () => {
    const replaced = { httpClient: 'pass fetch instead' };
    expect(() => assertKnownOptions({ httpClient: {} }, known, 'f()', replaced)).toThrow(
      new TypeError('f(): unknown option "httpClient" — pass fetch instead'),
    );
    // An inherited name is no replacement.
    expect(() => assertKnownOptions({ toString: 1 }, known, 'f()', replaced)).toThrow(/known options:/);
  });

  it('suggests by case first, then by at most 2 edits', () => {
    expect(suggestKey('CLIENTSECRET', known)).toBe('clientSecret');
    expect(suggestKey('clientSecrt', known)).toBe('clientSecret');
    expect(suggestKey('somethingElse', known)).toBeUndefined();
  });
});
