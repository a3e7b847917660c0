import { describe, expect, it } from 'vitest';
import { redactor } from './redact.js';

describe('redactor: secrets found without a RegExp (decision 0027)', () => {
  it('ends, and redacts each occurrence, for a secret that the marker itself contains', () => {
    const redact = redactor(['redacted']);
    expect(redact('a redacted b REDACTED c')).toBe('a [redacted] b [redacted] c');
  });

  it('keeps the text around a secret, letter case included, and ignores case only to find it', () => {
    const redact = redactor(['Secret/Value']);
    expect(redact('Before secret%2fvalue After Secret/Value end')).toBe(
      'Before [redacted] After [redacted] end',
    );
  });

  it('redacts a secret with a lone surrogate in the form it was sent (U+FFFD), instead of throwing URIError', () => {
    const redact = redactor(['pass\uD800word']);
    expect(redact('got pass%EF%BF%BDword and pass\uFFFDword')).toBe('got [redacted] and [redacted]');
  });
});
