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

  it('lower-cases 1 MiB of mixed-case text once per call, not once per encoding of 30 secrets', () => {
    const secrets = Array.from({ length: 30 }, (_, i) => `Sécret/${i} +Value"`);
    const redact = redactor(secrets);
    const filler = 'The Quick Brown Fox JuMpS oVeR tHe LaZy DoG 0123 '.repeat(21_000);
    // Occurrences in other cases and encodings, side by side: offsets stay right after each `[redacted]`.
    const text = `A ${secrets[0]}${encodeURIComponent(secrets[1]!).toLowerCase()} B ${filler}SÉCRET/2 +VALUE" C`;
    const started = performance.now();
    const redacted = redact(text);
    // Once per encoding took 10 s here; once per call, about 0.1 s. A generous bound, not a benchmark.
    expect(performance.now() - started).toBeLessThan(3_000);
    // `SÉCRET/2` differs from `Sécret/2` beyond ASCII case: kept, as before.
    expect(redacted).toBe(`A [redacted][redacted] B ${filler}SÉCRET/2 +VALUE" C`);
  }, 30_000);
  it('redacts a secret split across a line break (MIME-wrapped Base64), and keeps line breaks where none is', () => {
    const redact = redactor(['refresh+token/with-a-long-tail'], {
      clientId: 'app',
      clientSecret: 's3cr3t-Ω',
    });
    const basic = btoa('app:s3cr3t-\u00ce\u00a9');
    expect(
      redact(`line 1\nrefresh+token/\r\nwith-a-long-tail; basic ${basic.slice(0, 8)}\r\n${basic.slice(8)}`),
    ).toBe('line 1[redacted]; basic [redacted]');
    expect(redact('line 1\r\nline 2 refresh+token/with-a-long-tail\n')).toBe('line 1\r\nline 2 [redacted]\n');
  });
});
