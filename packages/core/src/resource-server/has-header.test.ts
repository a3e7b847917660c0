import { describe, expect, it } from 'vitest';
import { rereadable } from './has-header.js';

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
});
