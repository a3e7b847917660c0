/**
 * Throws a `TypeError` naming the first key of `options` that is not in `known`, with the closest
 * known key as a "did you mean" hint — for plain-JS callers, whose typos TypeScript never sees.
 * Local to this package until core exports the shared validator.
 *
 * @param where the function the options belong to, e.g. `attachTokenManager()`.
 */
export function assertKnownOptions(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best = '';
    let distance = 3; // suggest only close names
    for (const name of known) {
      const d = editDistance(key.toLowerCase(), name.toLowerCase());
      if (d < distance) [best, distance] = [name, d];
    }
    throw new TypeError(
      `${where}: unknown option "${key}"${best && ` — did you mean "${best}"?`} Known: ${known.join(', ')}.`,
    );
  }
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = [...Array(b.length + 1).keys()];
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
