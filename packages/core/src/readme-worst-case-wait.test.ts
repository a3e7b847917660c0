// The READMEs state how long a token request can take at worst; this keeps that number equal to
// what the manager's own `worstCaseRefresh` gives for its defaults, so the docs cannot rot.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { worstCaseRefresh } from './internal/worst-case-refresh.js';
import { defaultRetryOptions } from './retry-options.js';
import { tokenManagerDefaults } from './token-manager-options.js';

const readme = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const seconds = (ms: number): string => `${Number((ms / 1_000).toFixed(1))} s`;

/** The one implementation the manager also uses (for the cross-tab lock wait). */
const worstCase = worstCaseRefresh(tokenManagerDefaults.timeout, defaultRetryOptions);
/** With servers that ask for the longest `Retry-After` the manager honours before each retry. */
const { retries, maxRetryAfter } = defaultRetryOptions;
const worstWithRetryAfter = (retries + 1) * tokenManagerDefaults.timeout + retries * maxRetryAfter;

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
