/**
 * Throws a `TypeError` when `options` has a key that is not in `known`, naming the nearest known key
 * ("did you mean"). For plain-JS callers: TypeScript already refuses unknown keys of object literals.
 * Keys whose value is `undefined` are ignored. Shared by every Tessera factory.
 *
 * @param options what the caller passed; anything but an object is refused too.
 * @param known every accepted key.
 * @param where the factory, as the caller wrote it, e.g. `new TokenManager(options)`.
 * @param replaced options that were renamed or removed, each with what to use instead. @default {}
 * @throws {TypeError} `new TokenManager(options): unknown option "refreshMagin" — did you mean "refreshMargin"?`
 *
 * @example
 * assertKnownOptions(options, ['tokenUrl', 'clientId'], 'clientCredentials(options)');
 */
export function assertKnownOptions(
  options: unknown,
  known: readonly string[],
  where: string,
  replaced: Readonly<Record<string, string>> = {},
): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${where}: options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const nearest = suggestKey(key, known);
    const hint = Object.hasOwn(replaced, key)
      ? replaced[key]
      : nearest
        ? `did you mean "${nearest}"?`
        : `known options: ${known.join(', ')}`;
    // Only the key is shown: a misplaced value may be a secret.
    throw new TypeError(`${where}: unknown option "${key.slice(0, 40)}" — ${hint}`);
  }
}

/** The known key nearest to `key` (same letters ignoring case, or at most 2 edits away), if any. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    // Same letters ignoring case: distance 0.
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  const row = [...Array(b.length + 1).keys()];
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
