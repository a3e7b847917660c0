// The READMEs state how long a token request can take at worst; this keeps that number equal to
// what the defaults give (tokenManagerDefaults.timeout, defaultRetryOptions), so the docs cannot rot.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backoffDelay, defaultRetryOptions } from './internal/retry-policy.js';
import { tokenManagerDefaults } from './token-manager-options.js';

const readme = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const seconds = (ms: number): string => `${Number((ms / 1_000).toFixed(1))} s`;

const { retries, maxRetryAfter } = defaultRetryOptions;
const attempts = retries + 1;
/** The longest backoff before each retry: the jitter multiplies by less than 2, so 2 bounds it. */
const longestPauses = Array.from({ length: retries }, (_, index) =>
  Math.min(
    2 * backoffDelay(index + 1, { ...defaultRetryOptions, randomize: false }),
    defaultRetryOptions.maxTimeout,
  ),
);
const worstCase =
  attempts * tokenManagerDefaults.timeout + longestPauses.reduce((sum, pause) => sum + pause, 0);
const worstWithRetryAfter = attempts * tokenManagerDefaults.timeout + retries * maxRetryAfter;

describe('the worst-case wait the READMEs state', () => {
  it('is computed from the defaults: 4 attempts of 10 s plus at most 2.8 s of backoff', () => {
    expect(seconds(worstCase)).toBe('42.8 s');
    expect(seconds(worstWithRetryAfter)).toBe('220 s');
  });

  it.each(['../README.md', '../../../README.md'])('is stated in %s', (path) => {
    const text = readme(path);
    expect(text).toContain(`**${seconds(worstCase)}**`);
    expect(text).toContain(seconds(worstWithRetryAfter));
  });
});
