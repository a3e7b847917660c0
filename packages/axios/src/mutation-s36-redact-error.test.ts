import { describe, expect, it } from 'vitest';
import { REDACTED, redactError } from './redact-error.js';

// Mutation sweep, stop 36: only text that quoted a secret is rewritten.
describe('redactError on an answer that quotes no token', () => {
  it('leaves an API’s own "[redacted]" as it sent it, and the arraybuffer as the same object', () => {
    const bytes = new TextEncoder().encode('{"token":"[redacted]"}').buffer;
    const json = { error: 'invalid_token', token: '[redacted]', '[redacted]': 'key' };
    const asJson = redactError({ response: { data: json, headers: { 'x-echo': 'Bearer [redacted]' } } }, [
      'Bearer at-0',
      'at-0',
    ]);
    const asBytes = redactError({ response: { data: bytes } }, ['Bearer at-0', 'at-0']);

    expect(asJson.response.data).toEqual({
      error: 'invalid_token',
      token: '[redacted]',
      '[redacted]': 'key',
    });
    expect(asJson.response.headers).toEqual({ 'x-echo': 'Bearer [redacted]' });
    expect(asBytes.response.data).toBe(bytes);
    expect(JSON.stringify(asJson)).not.toContain(REDACTED);
  });
});
