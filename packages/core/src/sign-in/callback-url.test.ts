import { describe, expect, it } from 'vitest';
import {
  callbackParamsOf,
  hasRepeatedParam,
  isRedirectTarget,
  withoutCallbackParams,
} from './callback-url.js';

const url = (href: string) => new URL(href);

describe('callbackParamsOf', () => {
  it.each([
    ['https://app.test/cb?code=c&state=s', 'c'],
    ['https://app.test/?code=c&state=s#/route', 'c'],
    ['https://app.test/#/cb?code=c&state=s', 'c'],
    ['https://app.test/#code=c&state=s', 'c'],
    ['https://app.test/#/code=c&state=s', 'c'],
  ])('finds the parameters in %s', (href, code) => {
    expect(callbackParamsOf(url(href))?.get('code')).toBe(code);
    expect(callbackParamsOf(url(href))?.get('state')).toBe('s');
  });

  it('finds an error response without a code', () => {
    expect(callbackParamsOf(url('https://app.test/cb?error=access_denied&state=s'))?.get('error')).toBe(
      'access_denied',
    );
  });

  it.each([
    'https://app.test/cb',
    'https://app.test/cb?zipcode=1&state=s',
    'https://app.test/cb#section',
    'https://app.test/cb#/route?tab=1',
    'https://app.test/cb?state=s',
  ])('finds nothing in %s', (href) => {
    expect(callbackParamsOf(url(href))).toBeUndefined();
  });
});

describe('isRedirectTarget', () => {
  const redirect = url('https://app.test/callback');
  it.each([
    ['https://app.test/callback?code=c', true],
    ['https://app.test/#/callback?code=c', true],
    ['https://app.test/callback/?code=c', false],
    ['https://app.test:8443/callback?code=c', false],
    ['http://app.test/callback?code=c', false],
    ['https://evil.test/callback?code=c', false],
    ['https://app.test/other?code=c', false],
    ['https://app.test/#/other?code=c', false],
  ])('%s → %s', (href, expected) => {
    expect(isRedirectTarget(url(href), redirect)).toBe(expected);
  });
  it.each([
    ['https://app.test/?code=c', true],
    ['https://app.test/?code=c#/route', true],
    ['https://app.test/#code=c', true],
    ['https://app.test/#/code=c', true],
    ['https://app.test/#/?code=c', true],
    ['https://app.test/#/other?code=c', false],
    ['https://app.test/#/other?error=e', false],
  ])('with the root as redirect URI (a hash router): %s → %s', (href, expected) => {
    expect(isRedirectTarget(url(href), url('https://app.test/'))).toBe(expected);
  });
});

describe('withoutCallbackParams', () => {
  it.each([
    ['https://app.test/cb?a=1&code=c&state=s&iss=i&session_state=x&b=2', 'https://app.test/cb?a=1&b=2'],
    [
      'https://app.test/cb?error=access_denied&error_description=no&error_uri=u&state=s',
      'https://app.test/cb',
    ],
    ['https://app.test/?code=c&state=s#/route?tab=1', 'https://app.test/#/route?tab=1'],
    ['https://app.test/#/cb?code=c&state=s&tab=1', 'https://app.test/#/cb?tab=1'],
    ['https://app.test/#code=c&state=s', 'https://app.test/'],
    ['https://app.test/#/code=c&state=s', 'https://app.test/#/'],
    ['https://app.test/cb?a=1#top', 'https://app.test/cb?a=1#top'],
  ])('%s → %s', (href, clean) => {
    expect(withoutCallbackParams(url(href)).href).toBe(clean);
  });
});

describe('hasRepeatedParam', () => {
  it.each([
    ['?code=a&code=b&state=s', true],
    ['?code=a&state=s&state=t', true],
    ['?code=a&state=s&iss=i&iss=i', true],
    ['?error=access_denied&error=server_error&state=s', true],
    ['?code=a&state=s&session_state=x&session_state=y', true],
    ['?code=a&state=s#code=b', true],
    ['?code=a&state=s#state=s', true],
    ['?code=a&state=s&iss=i#/route?iss=i', true],
    ['?code=a#/cb?code=a&state=s', true],
    ['#/cb?code=a&state=s&state=t', true],
    ['?code=a&state=s&iss=i&tab=1&tab=2', false],
    ['?code=a&state=s&iss=i&session_state=x', false],
    ['?code=a&state=s#/route', false],
    ['?code=a&state=s#/route?tab=1&tab=2', false],
    ['?code=a&state=s#top', false],
    ['?code=a&state=s#/route?iss=i', true],
    ['?code=a&state=s#error=access_denied', true],
    ['?code=a&state=s&iss=i#/route?error_description=x', true],
    ['?error=access_denied&state=s#code=a', true],
    ['?tab=1#code=a&state=s', false],
  ])('%s: %s', (suffix, repeated) => {
    expect(hasRepeatedParam(url(`https://app.test/cb${suffix}`))).toBe(repeated);
  });
});
