import { describe, expect, it } from 'vitest';
import { resolveRequestUrl } from './resolve-request-url.js';

const base = 'https://api.example.com';

describe('resolveRequestUrl', () => {
  it('combines a relative url with baseURL the way axios does', () => {
    expect(resolveRequestUrl({ baseURL: `${base}/v1/`, url: '/orders' })).toBe(`${base}/v1/orders`);
    // A base ending in `//`: axios 1.7 strips two slashes, later versions all; both are checked.
    expect(resolveRequestUrl({ baseURL: `${base}//`, url: '/orders' })).toEqual([
      `${base}/orders`,
      `${base}/orders`,
    ]);
    expect(resolveRequestUrl({ baseURL: `${base}///`, url: '/orders' }, true)).toBe(`${base}//orders`);
    expect(resolveRequestUrl({ baseURL: base, url: '' })).toBe(base);
    expect(resolveRequestUrl({ baseURL: base })).toBe(base);
  });

  it('lets an absolute or protocol-relative url override baseURL, unless allowAbsoluteUrls is false', () => {
    expect(resolveRequestUrl({ baseURL: base, url: 'https://other.test/x' })).toBe('https://other.test/x');
    expect(resolveRequestUrl({ baseURL: base, url: '//evil.test/x' })).toBe('//evil.test/x');
    expect(resolveRequestUrl({ baseURL: base, url: 'https://other.test/x', allowAbsoluteUrls: false })).toBe(
      `${base}/https://other.test/x`,
    );
  });

  it('gives both destinations for a falsy allowAbsoluteUrls that is not false (axios 1.12 combines, newer do not)', () => {
    for (const allowAbsoluteUrls of ['', 0, '0'] as never[]) {
      expect(resolveRequestUrl({ baseURL: base, url: 'https://other.test/x', allowAbsoluteUrls })).toEqual([
        'https://other.test/x',
        `${base}/https://other.test/x`,
      ]);
    }
    expect(
      resolveRequestUrl({ baseURL: base, url: 'https://other.test/x', allowAbsoluteUrls: 'no' as never }),
    ).toBe('https://other.test/x');
  });

  it('lets a URL object override baseURL only where that axios tests its string (urlObjects: 1.7, 1.12)', () => {
    const url = new URL('https://other.test/x');
    expect(resolveRequestUrl({ baseURL: base, url }, false, true)).toBe('https://other.test/x');
    expect(resolveRequestUrl({ baseURL: base, url })).toBeUndefined(); // 1.21 throws
    expect(resolveRequestUrl({ baseURL: base, url, allowAbsoluteUrls: false }, false, true)).toBeUndefined();
    expect(resolveRequestUrl({ baseURL: base, url, allowAbsoluteUrls: '' as never }, false, true)).toBe(
      'https://other.test/x',
    );
  });

  it('leaves a url without baseURL as it is, relative or not', () => {
    expect(resolveRequestUrl({ url: '/orders' })).toBe('/orders');
    expect(resolveRequestUrl({ url: 'https://api.example.com@evil.test/' })).toBe(
      'https://api.example.com@evil.test/',
    );
    expect(resolveRequestUrl({})).toBe('');
  });
});
