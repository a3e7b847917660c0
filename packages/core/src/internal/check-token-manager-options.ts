import { assertKnownOptions } from '../assert-known-options.js';

const WHERE = 'new TokenManager(options)';
const KNOWN = [
  'fetchTokens',
  'storage',
  'refreshMargin',
  'retry',
  'retryTimeouts',
  'timeout',
  'clock',
  'refreshInBackground',
  'lock',
  'crossTab',
  'key',
  'tokenTypes',
  'rejectionCooldown',
];
const RETRY_KEYS = ['retries', 'factor', 'minTimeout', 'maxTimeout', 'randomize', 'maxRetryAfter'];

/**
 * Validates the options of `new TokenManager` at once, so a typo or a wrong unit fails at startup
 * with a `TypeError` naming the option and the fix, not at the first refresh.
 */
export function checkTokenManagerOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    fail(
      'options',
      'an object',
      'new TokenManager({ fetchTokens: refreshTokenGrant({ tokenUrl, clientId }) })',
    );
  }
  assertKnownOptions(options, KNOWN, WHERE);
  const o = options as Record<string, unknown>;
  if (typeof o.fetchTokens !== 'function') {
    fail(
      'fetchTokens',
      'a function',
      'pass fetchTokens: refreshTokenGrant({ tokenUrl, clientId }) or your own',
    );
  }
  has(o, 'storage', 'object', 'pass memoryStorage(), webStorage(localStorage) or a TokenStorage');
  duration(o, 'refreshMargin');
  duration(o, 'timeout', true);
  duration(o, 'rejectionCooldown');
  has(o, 'clock', 'function', 'pass a function returning epoch milliseconds, e.g. () => Date.now()');
  has(o, 'retryTimeouts', 'boolean', 'pass true or false');
  has(o, 'lock', 'object', 'pass a RefreshLock, e.g. redisLock(...)');
  has(o, 'crossTab', 'object', 'pass crossTab()');
  has(o, 'refreshInBackground', 'function', 'pass refreshInBackground: backgroundRefresh()');
  if (o.key !== undefined && (typeof o.key !== 'string' || o.key === '')) {
    fail('key', 'a non-empty string', "name the token set, e.g. key: 'orders-api'");
  }
  const types = o.tokenTypes;
  if (
    types !== undefined &&
    (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && t !== ''))
  ) {
    fail('tokenTypes', 'a non-empty array of token types', "e.g. tokenTypes: ['DPoP']");
  }
  const retry = o.retry;
  if (retry === undefined || retry === false) return;
  if (typeof retry !== 'object' || retry === null) {
    fail('retry', 'false or an object', 'e.g. retry: { retries: 3 } or retry: false');
  }
  assertKnownOptions(retry, RETRY_KEYS, `${WHERE} retry`);
  const r = retry as Record<string, unknown>;
  for (const name of ['retries', 'minTimeout', 'maxTimeout', 'maxRetryAfter'])
    duration(r, name, false, 'retry.');
  if (r.retries !== undefined && !Number.isInteger(r.retries)) {
    fail('retry.retries', 'a whole number', 'e.g. retries: 3');
  }
  if (
    r.factor !== undefined &&
    !(typeof r.factor === 'number' && r.factor >= 1 && Number.isFinite(r.factor))
  ) {
    fail('retry.factor', 'a finite number ≥ 1', 'e.g. factor: 2');
  }
  has(r, 'randomize', 'boolean', 'pass true or false', 'retry.');
}

function has(o: Record<string, unknown>, name: string, type: string, fix: string, prefix = ''): void {
  const value = o[name];
  if (value !== undefined && (typeof value !== type || value === null))
    fail(prefix + name, `a ${type}`, fix, value);
}

/** A non-negative number of milliseconds; `Infinity` only where `infinite` allows it. */
function duration(o: Record<string, unknown>, name: string, infinite = false, prefix = ''): void {
  const value = o[name];
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!infinite && !Number.isFinite(value))
  ) {
    fail(prefix + name, 'a non-negative number of milliseconds', 'omit it for the default', value);
  }
}

function fail(option: string, expected: string, fix: string, ...value: unknown[]): never {
  // Numbers and booleans are shown; anything else only by type (a misplaced value may be a secret).
  const got = value.length === 0 ? '' : `, got ${describe(value[0])}`;
  throw new TypeError(`${WHERE}: "${option}" must be ${expected}${got}: ${fix}`);
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}
