import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AllowedOrigins, createOriginPolicy } from './create-origin-policy.js';

const none = (): undefined => undefined;

/** How axios and the fetch wrapper combine a relative url with a base: base + '/' + url. */
function combine(url: string, baseURL: string | undefined): string {
  if (!baseURL || /^([a-z][a-z\d+\-.]*:)?\/\//i.test(url)) return url;
  if (!url) return baseURL;
  return `${baseURL.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function allows(origins: AllowedOrigins | undefined, url: string, baseURL?: string, page?: string): boolean {
  const policy = createOriginPolicy(origins, () => baseURL);
  return policy(combine(url, baseURL), page);
}
describe('createOriginPolicy', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('allows the baseURL origin by default and nothing else', () => {
    const base = 'https://api.example.com/v1';
    expect(allows(undefined, '/orders', base)).toBe(true);
    expect(allows(undefined, '', base)).toBe(true);
    expect(allows(undefined, 'https://API.example.com:443/x', base)).toBe(true);
    expect(allows(undefined, 'https://other.test/orders', base)).toBe(false);
    expect(allows(undefined, 'http://api.example.com/orders', base)).toBe(false);
    expect(allows(undefined, 'https://api.example.com:8443/orders', base)).toBe(false);
    expect(allows(undefined, 'https://sub.api.example.com/orders', base)).toBe(false);
  });

  it('never matches a look-alike host or a URL that merely contains the allowed origin', () => {
    const base = 'https://api.example.com';
    const tricks = [
      'https://api.example.com.evil.test/orders',
      'https://evil.test/?next=https://api.example.com/',
      'https://evil.test/https://api.example.com/',
      'https://evil.test/#https://api.example.com/',
      'https://api.example.com@evil.test/',
      'https://api.example.com:443@evil.test/',
      '//evil.test/https://api.example.com/',
    ];
    for (const url of tricks) {
      expect(allows(undefined, url, base), url).toBe(false);
      expect(allows(['https://api.example.com'], url), url).toBe(false);
      expect(allows(undefined, url, base, 'https://api.example.com/'), url).toBe(false);
    }
  });

  it('agrees with the URL parser on every URL that starts with the allowed origin', () => {
    const urls = [
      'https://api.example.com/x',
      'https://api.example.com/\t@evil.test',
      'https://api.example.com//evil.test',
    ];
    for (const url of urls) {
      expect(new URL(url).origin).toBe('https://api.example.com');
      expect(allows(undefined, url, 'https://api.example.com')).toBe(true);
    }
  });

  it('allows nothing in Node without baseURL, and the page origin in a browser', () => {
    expect(allows(undefined, '/orders')).toBe(false);
    expect(allows(undefined, 'https://api.example.com/orders')).toBe(false);
    const page = 'https://app.example.com/shop/';
    expect(allows(undefined, '/orders', undefined, page)).toBe(true);
    expect(allows(undefined, 'orders', undefined, page)).toBe(true);
    expect(allows(undefined, 'https://app.example.com/x', undefined, page)).toBe(true);
    expect(allows(undefined, 'https://api.example.com/x', undefined, page)).toBe(false);
    expect(allows(undefined, '//evil.test/x', undefined, page)).toBe(false);
    expect(allows(undefined, ' https://evil.test/https://app.example.com/', undefined, page)).toBe(false);
    expect(allows(undefined, '/\\evil.test/x', undefined, page)).toBe(false);
    expect(allows(undefined, '/orders', '/api', page)).toBe(true);
    expect(allows(undefined, 'https://app.example.com/x', 'https://api.example.com', page)).toBe(false);
  });

  it('takes the page origin from location, never from a <base> element that points elsewhere', () => {
    vi.stubGlobal('location', { href: 'https://app.example.com/shop/' });
    const injected = 'https://evil.test/'; // document.baseURI after <base href="https://evil.test/">
    expect(allows(undefined, '/orders', undefined, injected)).toBe(false);
    expect(allows(undefined, 'https://evil.test/orders', undefined, injected)).toBe(false);
    expect(allows(undefined, 'https://app.example.com/orders', undefined, injected)).toBe(true);
    expect(allows(undefined, '/orders', '/api', injected)).toBe(false); // a relative baseURL: the page's origin
    expect(allows(undefined, 'https://app.example.com/api/x', '/api', injected)).toBe(true);
    expect(allows(undefined, 'orders', undefined, 'https://app.example.com/app/')).toBe(true);
    // An srcdoc iframe's URL has no origin; its document base is its parent's.
    vi.stubGlobal('location', { href: 'about:srcdoc' });
    expect(allows(undefined, '/orders', undefined, 'https://app.example.com/')).toBe(true);
  });

  it('follows a baseURL changed after attaching', () => {
    let baseURL: string | undefined;
    const policy = createOriginPolicy(undefined, () => baseURL);
    expect(policy('https://api.example.com/orders', undefined)).toBe(false);
    baseURL = 'https://api.example.com';
    expect(policy('https://api.example.com/orders', undefined)).toBe(true);
    baseURL = 'https://other.example.com';
    expect(policy('https://api.example.com/orders', undefined)).toBe(false);
  });

  it('matches exact origins and anchored RegExps against the origin only', () => {
    const origins = ['https://API.example.com:443/', /^https:\/\/[a-z]+\.example\.com$/];
    expect(allows(origins, 'https://api.example.com/x')).toBe(true);
    expect(allows(origins, 'https://files.example.com/x')).toBe(true);
    expect(allows(origins, 'https://files.example.com.evil.test/x')).toBe(false);
    expect(allows(origins, 'https://a.b.example.com/x')).toBe(false);
    expect(allows(origins, 'http://files.example.com/x')).toBe(false);
    const global = createOriginPolicy(/^https:\/\/api\.example\.com$/g, none);
    expect([1, 2, 3].map(() => global('https://api.example.com/x', undefined))).toEqual([true, true, true]);
  });

  it('anchors every alternative of a RegExp: ^a|b$ is not a prefix test of a', () => {
    // Passes the ^…$ check, but alone it reads (^https://api.example.com)|(https://files.example.com$).
    const careless = /^https:\/\/api\.example\.com|https:\/\/files\.example\.com$/;
    expect(allows(careless, 'https://api.example.com/x')).toBe(true);
    expect(allows(careless, 'https://files.example.com/x')).toBe(true);
    expect(allows(careless, 'https://api.example.com.evil.test/x')).toBe(false);
    expect(
      allows(/^https:\/\/api\.example\.com$|^https:\/\/files\.example\.com$/, 'https://files.example.com/x'),
    ).toBe(true);
  });

  it('replaces the default: the baseURL origin is not added to explicit origins', () => {
    expect(allows('https://files.example.com', '/orders', 'https://api.example.com')).toBe(false);
  });

  it('rejects origins with a path, unparsable origins and unanchored RegExps', () => {
    const create = (origins: AllowedOrigins) => () => createOriginPolicy(origins, none);
    expect(create('https://api.example.com/v1')).toThrow(/origin only/);
    expect(create('api.example.com')).toThrow(/not an origin/);
    expect(create('https://user:secret@api.example.com')).toThrow(TypeError);
    expect(create('https://user:secret@api.example.com')).not.toThrow(/secret/);
    expect(create([/example\.com/])).toThrow(/anchored/);
    expect(create(/^https:\/\/api\.example\.com/)).toThrow(/anchored/);
  });

  it('rejects a RegExp whose "." meant a dot: /^https://api.example.com$/ matched https://api-example.com', () => {
    const create = (origins: AllowedOrigins) => () => createOriginPolicy(origins, none);
    expect(create(/^https:\/\/api.example.com$/)).toThrow(/"\." that matches any character/);
    expect(create(['https://files.example.com', /^https:\/\/api\.example.com$/])).toThrow(TypeError);
    expect(create(/^https:\/\/[a-z]+.example\.com$/)).toThrow(TypeError);
    // Escaped, in a class, or a wildcard with a quantifier: left alone.
    for (const ok of [
      /^https:\/\/api\.example\.com$/,
      /^https:\/\/[a-z.]+\.example\.com$/,
      /^.*$/,
      /^https:\/\/.+\.example\.com$/,
    ]) {
      expect(create(ok)).not.toThrow();
    }
    expect(allows(/^https:\/\/.+\.example\.com$/, 'https://api-example.com/x')).toBe(false);
  });

  it('never allows an opaque origin or an unparsable URL', () => {
    expect(allows(/^.*$/, 'data:text/plain,x')).toBe(false);
    expect(allows(/^.*$/, 'http://[bad')).toBe(false);
  });

  it('never allows a URL with user info: it brings credentials of its own, like axios `auth`', () => {
    const api = 'https://api.example.com';
    for (const origins of [undefined, api, /^https:\/\/api\.example\.com$/]) {
      expect(allows(origins, 'https://user:pass@api.example.com/orders', api)).toBe(false);
      expect(allows(origins, 'https://user@api.example.com/orders', api)).toBe(false);
      expect(allows(origins, 'https://:pass@api.example.com/orders', api)).toBe(false);
      expect(allows(origins, '/orders', 'https://user:pass@api.example.com')).toBe(false);
      expect(allows(origins, 'https://api.example.com/users/a@b.test', api)).toBe(true);
    }
  });
});
