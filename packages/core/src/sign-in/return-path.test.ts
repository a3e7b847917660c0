import { describe, expect, it } from 'vitest';
import { returnPathOf } from './return-path.js';

const ORIGIN = 'https://app.example.test';

describe('returnPathOf', () => {
  it.each([
    ['/orders?page=2#top', '/orders?page=2#top'],
    ['orders', '/orders'],
    ['https://app.example.test/orders?page=2', '/orders?page=2'],
    ['#/orders', '/#/orders'],
  ])('keeps a path on the app origin: %s → %s', (returnTo, path) => {
    expect(returnPathOf(returnTo, ORIGIN)).toBe(path);
  });

  it.each([
    ['//evil.example/x', '/'],
    ['https://evil.example/x', '/'],
    ['http://app.example.test/orders', '/'],
    ['javascript:alert(document.cookie)', '/'],
    ['data:text/html,<script>alert(1)</script>', '/'],
    ['/\\evil.example/x', '/'],
    ['\\\\evil.example/x', '/'],
    ['https://app.example.test//evil.example/x', '/evil.example/x'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['https://[bad', '/'],
    ['/\t/evil.example/x', '/'],
    ['\n//evil.example/x', '/'],
    ['JaVaScRiPt:alert(1)', '/'],
    [' javascript:alert(1)', '/'],
    ['%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%5Cevil.example', '/%5Cevil.example'],
    // A blob: URL has the origin of the URL inside it, and that whole URL as its path.
    ['blob:https://app.example.test//evil.example/x', '/'],
    ['blob:https://app.example.test/orders', '/'],
  ])('never leads off the app origin: %s → %s', (returnTo, path) => {
    const result = returnPathOf(returnTo, ORIGIN);
    expect(result).toBe(path);
    expect(result.startsWith('/')).toBe(true);
    expect(new URL(result, 'https://elsewhere.example/').origin).toBe('https://elsewhere.example');
  });
});
