import { describe, expect, it } from 'vitest';
import { redirectTarget } from './redirect-target.js';

const from = 'https://api.test/orders?page=1';
const credentials = ['authorization', 'dpop'];

/** The URL `redirectTarget` gives, and the headers it asked to drop. */
function target(location: unknown, keep: readonly string[] = credentials) {
  const dropped: string[] = [];
  const url = redirectTarget(location, from, keep, (name) => dropped.push(name));
  return { url: url?.href, dropped };
}

describe('redirectTarget (the next hop every transport that follows hops itself computes)', () => {
  it('resolves Location against the URL the redirect answered; the same origin drops nothing', () => {
    expect(target('/orders/')).toEqual({ url: 'https://api.test/orders/', dropped: [] });
    expect(target('?page=2')).toEqual({ url: 'https://api.test/orders?page=2', dropped: [] });
    expect(target('')).toEqual({ url: from, dropped: [] });
  });

  it('at an origin change drops Cookie and Proxy-Authorization, and Authorization unless the policy rules on it', () => {
    expect(target('https://other.test/x')).toEqual({
      url: 'https://other.test/x',
      dropped: ['cookie', 'proxy-authorization'],
    });
    // The token travels in another header: a caller's Authorization is left behind too.
    expect(target('http://api.test/x', ['x-token', 'dpop'])).toEqual({
      url: 'http://api.test/x',
      dropped: ['authorization', 'cookie', 'proxy-authorization'],
    });
  });

  it('gives no target at a Location that is not an http(s) URL, and drops nothing', () => {
    for (const location of [
      'data:text/plain,hi',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://[bad',
    ]) {
      expect(target(location)).toEqual({ url: undefined, dropped: [] });
    }
  });
});
