import { describe, expect, it } from 'vitest';
import { toHtm, toHtu } from './htu.js';

describe('toHtu', () => {
  it.each([
    ['drops the query', 'https://as.example/token?a=1&b=2', 'https://as.example/token'],
    ['drops the fragment', 'https://as.example/token#frag', 'https://as.example/token'],
    ['drops query and fragment together', 'https://as.example/p?q=1#f', 'https://as.example/p'],
    [
      'keeps an @ in the path as sent on the wire',
      'https://api.example/users/a@b.c',
      'https://api.example/users/a@b.c',
    ],
    [
      'percent-encodes spaces in the path as fetch sends them',
      'https://api.example/a b/c',
      'https://api.example/a%20b/c',
    ],
    [
      'keeps an already encoded path as is',
      'https://api.example/a%20b/%40x',
      'https://api.example/a%20b/%40x',
    ],
    ['removes the default https port', 'https://api.example:443/x', 'https://api.example/x'],
    ['removes the default http port', 'http://api.example:80/x', 'http://api.example/x'],
    ['keeps a non-default port', 'http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['keeps a trailing slash', 'https://api.example/orders/', 'https://api.example/orders/'],
    ['does not add a trailing slash', 'https://api.example/orders', 'https://api.example/orders'],
    ['gives a bare origin the root path', 'https://api.example', 'https://api.example/'],
    ['lowercases scheme and host, not the path', 'HTTPS://API.Example/Orders', 'https://api.example/Orders'],
    ['drops credentials in the URL', 'https://user:pw@api.example/x', 'https://api.example/x'],
    ['resolves dot segments', 'https://api.example/a/../b', 'https://api.example/b'],
    [
      'sends an IDN host in its ASCII (punycode) form, as the Host header carries it',
      'https://BÜCHER.example/x',
      'https://xn--bcher-kva.example/x',
    ],
    [
      'percent-encodes a non-ASCII path in upper-case hex, as fetch sends it',
      'https://api.example/Straße/é',
      'https://api.example/Stra%C3%9Fe/%C3%A9',
    ],
    [
      'keeps lower-case escapes and an encoded slash as sent (never decoded)',
      'https://api.example/%7euser/a%2Fb',
      'https://api.example/%7euser/a%2Fb',
    ],
    ['removes the default port of an IPv6 host', 'HTTPS://[::1]:443/x', 'https://[::1]/x'],
    [
      'keeps a trailing-dot host as fetch sends it in Host (never stripped)',
      'https://API.example.:443/x?q#f',
      'https://api.example./x',
    ],
    ['turns backslashes into slashes, as fetch does', 'https://api.example\\a\\b', 'https://api.example/a/b'],
  ])('%s', (_, url, htu) => {
    expect(toHtu(url)).toBe(htu);
  });

  it('resolves a relative URL against the base', () => {
    expect(toHtu('/api/orders?x=1', 'https://app.example/page')).toBe('https://app.example/api/orders');
  });

  it('throws on a relative URL without base', () => {
    expect(() => toHtu('/token')).toThrow(TypeError);
  });
});

describe('toHtm', () => {
  it.each([
    ['get', 'GET'],
    ['post', 'POST'],
    ['Delete', 'DELETE'],
    ['PATCH', 'PATCH'],
    ['patch', 'patch'],
    ['PROPFIND', 'PROPFIND'],
  ])('sends %s as fetch does: %s', (method, htm) => {
    expect(toHtm(method)).toBe(htm);
  });
});
