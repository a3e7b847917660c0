import { describe, expect, it } from 'vitest';
import { type ChangeSource, echoFilter } from './echo-filter.js';

const set = (accessToken: string) => ({ accessToken, tokenType: 'Bearer' });

/** Feeds reports in order and returns the ones let through, as access tokens (`null` = removal). */
function run(reports: Array<[ChangeSource, unknown]>): unknown[] {
  const filter = echoFilter();
  return reports
    .filter(([source, value]) => filter.accept(source, value))
    .map(([, value]) => (value === null ? null : (value as { accessToken: string }).accessToken));
}

describe('echoFilter', () => {
  it('lets each change through once when the channel reports it first', () => {
    expect(
      run([
        ['channel', set('a')],
        ['channel', set('b')],
        ['storage', set('a')],
        ['storage', set('b')],
      ]),
    ).toEqual(['a', 'b']);
  });

  it('lets each change through once when storage events report it first', () => {
    expect(
      run([
        ['storage', set('a')],
        ['channel', set('a')],
        ['storage', null],
        ['channel', null],
      ]),
    ).toEqual(['a', null]);
  });

  it('never lets a late echo of an older set replace a newer one', () => {
    expect(
      run([
        ['channel', set('a')],
        ['storage', set('b')],
        ['channel', set('b')],
        ['storage', set('a')],
      ]),
    ).toEqual(['a', 'b']);
  });

  it('keeps a sign-out, a sign-in and a second sign-out apart', () => {
    expect(
      run([
        ['channel', null],
        ['channel', set('a')],
        ['channel', null],
        ['storage', null],
        ['storage', set('a')],
        ['storage', null],
      ]),
    ).toEqual([null, 'a', null]);
  });

  it('lets repeated reports from one source through: only the other source can echo', () => {
    expect(
      run([
        ['channel', null],
        ['channel', null],
        ['storage', set('a')],
        ['storage', set('a')],
      ]),
    ).toEqual([null, null, 'a', 'a']);
  });

  it('lets unreadable values through for the manager to report', () => {
    const filter = echoFilter();
    expect(filter.accept('channel', 'garbage')).toBe(true);
    expect(filter.accept('storage', 'garbage')).toBe(true);
  });

  it('forgets expected echoes on reset', () => {
    const filter = echoFilter();
    expect(filter.accept('channel', set('a'))).toBe(true);
    filter.reset();
    expect(filter.accept('storage', set('a'))).toBe(true);
  });
});
