import { toTokenSet } from '@tessera/core';
import { createAuthServer } from '@tessera/testing';
import { describe, expect, it } from 'vitest';
import { tokenSubject } from './token-subject.js';

/** A token set whose access token has `payload` (any string) between two dots. */
function withPayload(payload: string) {
  return { accessToken: `eyJhbGciOiJub25lIn0.${payload}.signature`, tokenType: 'Bearer' };
}

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

describe('tokenSubject', () => {
  it("shows the sub claim of the mock server's access token", async () => {
    const auth = createAuthServer({ issuer: 'https://auth.tessera.test' });
    const tokens = toTokenSet(await auth.issueTokens({ username: 'alice' }), Date.now());
    expect(tokenSubject(tokens)).toBe('alice');
  });

  it('decodes base64url (- and _, no padding)', () => {
    const sub = 'user>>>??~~~';
    const payload = base64url({ sub });
    expect(payload).toMatch(/[-_]/);
    expect(payload.length % 4).not.toBe(0);
    expect(tokenSubject(withPayload(payload))).toBe(sub);
  });

  it('decodes payloads of every padding length', () => {
    for (const sub of ['a', 'ab', 'abc', 'abcd']) {
      expect(tokenSubject(withPayload(base64url({ sub })))).toBe(sub);
    }
  });

  it('says unknown user when signed out', () => {
    expect(tokenSubject(undefined)).toBe('unknown user');
  });

  it('says unknown user for an opaque access token', () => {
    expect(tokenSubject({ accessToken: '2YotnFZFEjr1zCsicMWpAA', tokenType: 'Bearer' })).toBe('unknown user');
    expect(tokenSubject(withPayload(''))).toBe('unknown user');
  });

  it('says unknown user when the payload is not base64 or not JSON', () => {
    expect(tokenSubject(withPayload('!!not base64!!'))).toBe('unknown user');
    expect(tokenSubject(withPayload(Buffer.from('sub=alice').toString('base64url')))).toBe('unknown user');
  });

  it('says unknown user without a string sub claim', () => {
    expect(tokenSubject(withPayload(base64url({ name: 'Alice' })))).toBe('unknown user');
    expect(tokenSubject(withPayload(base64url({ sub: 42 })))).toBe('unknown user');
    expect(tokenSubject(withPayload(base64url({ sub: ['alice'] })))).toBe('unknown user');
    expect(tokenSubject(withPayload(base64url(null)))).toBe('unknown user');
  });
});
