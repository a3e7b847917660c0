import { DiscoveryError, isTesseraError, TesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { ClientAssertionError } from './client-assertion-error.js';
import { isDiscoveryError } from './guards.js';
import { MissingPeerDependencyError } from './missing-peer-dependency-error.js';

describe('@tessera/node errors', () => {
  it('are Tessera errors with their own stable codes', () => {
    const discovery = new DiscoveryError('not_found', 'https://auth.example.test', 'no metadata');
    const missing = new MissingPeerDependencyError('jose', 'private_key_jwt');
    expect(discovery).toBeInstanceOf(TesseraError);
    expect(isTesseraError(discovery, 'DISCOVERY_FAILED')).toBe(true);
    expect(isTesseraError(missing, 'MISSING_PEER_DEPENDENCY')).toBe(true);
    expect(isTesseraError(missing, 'DISCOVERY_FAILED')).toBe(false);
    expect(
      isTesseraError(new ClientAssertionError('RS256', new TypeError('refused')), 'CLIENT_ASSERTION_FAILED'),
    ).toBe(true);
    expect(isDiscoveryError(discovery)).toBe(true);
    expect(isDiscoveryError(missing)).toBe(false);
    expect(JSON.parse(JSON.stringify(discovery))).toEqual({
      name: 'DiscoveryError',
      code: 'DISCOVERY_FAILED',
      message: 'Discovery of https://auth.example.test failed: no metadata',
      reason: 'not_found',
      issuer: 'https://auth.example.test',
    });
  });
});
