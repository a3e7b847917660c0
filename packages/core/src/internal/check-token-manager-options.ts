import { assertKnownOptions } from '../assert-known-options.js';
import type { Clock } from '../clock.js';
import type { SenderConstraint } from '../resource-server/sender-constraint.js';
import type { TokenManagerOptions } from '../token-manager-options.js';

const WHERE = 'new TokenManager(options)';

/**
 * Each option's kind: a `typeof`, or `ms` (a duration), `ms+` (a timeout: > 0, `Infinity` for none), `count`,
 * `factor`, `types`, `retry`, or a method an object the manager calls must have (`localStorage`, a Redis
 * client or `{}` is an object too: it failed at the first use).
 */
const OPTIONS: Record<string, string> = {
  fetchTokens: 'function',
  storage: 'remove',
  refreshMargin: 'ms',
  retry: 'retry',
  retryTimeouts: 'boolean',
  timeout: 'ms+',
  clock: 'function',
  refreshInBackground: 'function',
  lock: 'run',
  crossTab: 'object',
  key: 'string',
  tokenTypes: 'types',
  rejectionCooldown: 'ms',
  senderConstraint: 'checkUse',
};
const RETRY: Record<string, string> = {
  retries: 'count',
  factor: 'factor',
  minTimeout: 'ms',
  maxTimeout: 'ms',
  randomize: 'boolean',
  maxRetryAfter: 'ms',
};
const EXPECTED: Record<string, string> = {
  ms: 'a number of milliseconds ≥ 0',
  'ms+': 'a number of milliseconds > 0, or Infinity for none',
  count: 'a whole number ≥ 0',
  factor: 'a finite number ≥ 1',
  types: "a non-empty array, e.g. ['DPoP']",
  retry: 'false or an object',
  string: 'a non-empty string',
  remove: 'a TokenStorage',
  run: 'a RefreshLock',
  checkUse: 'a SenderConstraint such as createDPoP()',
};
const FIXES: Record<string, string> = {
  fetchTokens: ', e.g. refreshTokenGrant({ tokenUrl, clientId })',
  refreshInBackground: ': pass backgroundRefresh()',
  'clock()': ': e.g. Date.now',
};

/**
 * Validates the options of `new TokenManager` at once, so a typo or a wrong unit fails at startup
 * with a `TypeError` naming the option and the fix, not at the first refresh (decision 0008). Calls
 * `clock` once (`timeOf`), so one that returns no epoch ms fails here too.
 */
export function checkTokenManagerOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  if ((options as { fetchTokens?: unknown }).fetchTokens === undefined) fail('fetchTokens', 'a function');
  check(options as Record<string, unknown>, OPTIONS, '');
  timeOf((options as TokenManagerOptions).clock ?? Date.now);
  // The constraint's own rules (it signs token requests, `tokenTypes` lists its scheme) are its
  // `checkUse`, `checkConstraintUse`: only an app with a constraint carries them (decision 1208).
  const constraint = (options as { senderConstraint?: SenderConstraint }).senderConstraint;
  constraint?.checkUse(options as TokenManagerOptions, WHERE, constraint);
}

/** The `ms` rule: a finite number ≥ 0 (NaN, a string, a `Date` fail). */
const isMs = (value: unknown): boolean => Number.isFinite(value) && (value as number) >= 0;

/**
 * `clock()`, unless it is epoch ms (the `ms` rule): then a `TypeError` that says `where` it was read —
 * at construction, or where a token request or `setTokens()` counts an expiry from it (decision 0008).
 * NaN or `undefined` sent a token request per call; a `Date` or a string made the set it counted never
 * expire.
 */
export function timeOf(clock: Clock, where = WHERE): number {
  const now = clock();
  if (!isMs(now)) fail('clock()', EXPECTED.ms as string, now, where);
  return now;
}

function check(options: Record<string, unknown>, kinds: Record<string, string>, prefix: string): void {
  assertKnownOptions(options, Object.keys(kinds), WHERE + (prefix && ' retry'));
  for (const name in kinds) {
    const kind = kinds[name] as string;
    const value = options[name];
    if (value === undefined || (kind === 'retry' && value === false)) continue;
    // A number ≥ 0 (NaN, a string, a `Date` fail); `Infinity` only for `ms+`, which refuses 0 too: a
    // timeout of 0 (axios's "none") failed every attempt at once.
    const number = typeof value === 'number' && value >= 0;
    const valid =
      kind === 'ms+'
        ? number && (value as number) > 0
        : kind === 'ms'
          ? isMs(value)
          : kind === 'count'
            ? number && Number.isInteger(value)
            : kind === 'factor'
              ? isMs(value) && (value as number) >= 1
              : kind === 'types'
                ? Array.isArray(value) &&
                  value.length > 0 &&
                  value.every((type) => typeof type === 'string' && type)
                : (typeof value === (kind === 'retry' ? 'object' : kind) ||
                    typeof (value as Record<string, unknown> | null)?.[kind] === 'function') &&
                  value !== null &&
                  value !== '';
    if (!valid) fail(prefix + name, EXPECTED[kind] ?? `a ${kind}`, value);
    if (kind === 'retry') check(value as Record<string, unknown>, RETRY, 'retry.');
  }
}

function fail(option: string, expected: string, value?: unknown, where = WHERE): never {
  // Numbers and booleans are shown; anything else only by its type (a misplaced value may be a secret).
  const got =
    value === null || typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
  throw new TypeError(`${where}: "${option}" must be ${expected}, got ${got}${FIXES[option] ?? ''}`);
}
