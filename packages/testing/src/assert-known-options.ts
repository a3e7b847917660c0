/**
 * Throws a `TypeError` when `options` has a key that is not in `known`, naming the nearest known key
 * ("did you mean"), so an option spelled another way (oidc-provider's `rotateRefreshToken`, a
 * `client_id` instead of `clientId`) fails the test instead of being ignored. Keys whose value is
 * `undefined` are ignored. The same rule as `assertKnownOptions` of `@tessera/core`, kept here so
 * this package does not depend on core at runtime.
 *
 * @throws {TypeError} `createAuthServer(options): unknown option "rotateRefreshToken" — did you mean "rotateRefreshTokens"?`
 */
export function assertKnownOptions(options: unknown, known: readonly string[], where: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where} must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (known.includes(key) || value === undefined) continue;
    const nearest = nearestKey(key, known);
    const hint = nearest ? `did you mean "${nearest}"?` : `known options: ${known.join(', ')}`;
    // Only the key is shown: a misplaced value may be a secret.
    throw new TypeError(`${where}: unknown option "${key.slice(0, 40)}" — ${hint}`);
  }
}

/** The known key nearest to `key`: the same ignoring case, `_` and `-`, or at most 2 edits away. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const normal = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(normal(key), normal(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = i - 1;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/**
 * A boolean option: `true`, `false`, or `null`/`undefined` (not set). Else a `TypeError` naming it:
 * read by truthiness, `'false'` (an environment variable) would turn it on.
 */
export function assertBoolean(value: unknown, name: string, where: string): void {
  if (value != null && typeof value !== 'boolean') {
    throw new TypeError(`${where}: ${name} must be true or false, got ${typeof value}`);
  }
}

/**
 * A number option's value for a message: a number as is, anything else with its type, so a string
 * `'300000'` reads `got the string "300000"`, not `got 300000` (which looks right).
 */
export function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? `the string "${value.slice(0, 40)}"` : String(typeof value);
}
