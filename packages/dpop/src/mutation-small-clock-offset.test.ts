import { describe, expect, it } from 'vitest';
import { ClockLesson, nonceBook } from './nonce-book.js';

/**
 * Mutation check of the clock-offset threshold: a server `Date` within 5 s of the client clock (its
 * one-second resolution, the time the answer took) teaches no offset, so proofs keep the client's own
 * `iat`; only a larger skew moves it. Without the threshold every answer moved `iat` by its jitter.
 */

const NOW = 1_700_000_000_000;
const url = new URL('https://as.example/token');
const dated = (offset: number) => new Headers({ date: new Date(NOW + offset).toUTCString() });

describe('nonceBook: the server clock', () => {
  it('ignores a Date under 5 s off and learns one 5 s off or more', () => {
    const book = nonceBook(() => NOW);

    book.learn(url, dated(4_000), ClockLesson.Default);
    expect(book.serverTime(url)).toBe(NOW / 1000);
    expect(book.serverTime(new URL('https://api.example/'))).toBe(NOW / 1000);

    book.learn(url, dated(-60_000), ClockLesson.Default);
    expect(book.serverTime(url)).toBe(NOW / 1000 - 60);
  });
});
