import { describe, expect, it } from 'vitest';
import { rereadable } from './rereadable.js';

describe('rereadable', () => {
  it('reads headers given as a one-shot iterator once, into an array in a copy of the init', () => {
    const init = { method: 'POST', headers: new Map([['Content-Type', 'application/json']]).entries() };
    const copy = rereadable(init);
    expect(copy).not.toBe(init);
    expect(copy).toEqual({ method: 'POST', headers: [['Content-Type', 'application/json']] });
    // Read twice, as a wrapper does (the caller-set check, then the send): nothing lost.
    expect([...new Headers(copy.headers as unknown as HeadersInit)]).toEqual([
      ['content-type', 'application/json'],
    ]);
    expect([...new Headers(copy.headers as unknown as HeadersInit)]).toEqual([
      ['content-type', 'application/json'],
    ]);
  });

  it('returns any other init as it is, not copied: an array, a Map, a Headers, a record, no headers, none', () => {
    const inits = [
      { headers: [['a', '1']] },
      { headers: new Map([['a', '1']]) },
      { headers: new Headers({ a: '1' }) },
      { headers: { a: '1' } },
      {},
      undefined,
      null,
    ];
    for (const init of inits) expect(rereadable(init)).toBe(init);
  });

  it('returns an init that is not an object as it is, so that fetch refuses it (a string is not copied as { 0: ... })', () => {
    for (const init of ['x', 42, true]) expect(rereadable(init as never)).toBe(init);
  });

  it('copies an init whose members come through its prototype into a plain object of them, as fetch reads it (Object.create, a class with getters)', () => {
    const signal = new AbortController().signal;
    const inherited = Object.create({ method: 'POST', body: 'b', signal, next: { revalidate: 60 } });
    inherited.headers = { Accept: 'text/plain' };
    expect(rereadable(inherited)).toEqual({
      method: 'POST',
      body: 'b',
      signal,
      next: { revalidate: 60 },
      headers: { Accept: 'text/plain' },
    });
    class Init {
      get method() {
        return 'PUT';
      }
      get headers() {
        return new Map([['Accept', 'text/plain']]).entries();
      }
      get skipAuth() {
        return true;
      }
    }
    const plain = rereadable(new Init() as { headers?: unknown });
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain).toEqual({ method: 'PUT', skipAuth: true, headers: [['Accept', 'text/plain']] });
  });
});
