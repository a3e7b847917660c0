/**
 * Throws a `TypeError` naming each key of `options` that is not in `known`, with the closest known
 * key as a "did you mean" hint — for plain-JS callers, whose typos TypeScript never sees.
 * Local to `@tessera/fetch` (a copy of `@tessera/axios`'s) until core exports the shared validator.
 *
 * @param where the function the options belong to, e.g. `attachTokenManager()`.
 */
export function assertKnownOptions(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = closestOf(key, known);
    const hint = closest === undefined ? '' : ` — did you mean "${closest}"?`;
    throw new TypeError(`${where}: unknown option "${key}"${hint} Known options: ${known.join(', ')}.`);
  }
}

function closestOf(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor((best?.length ?? 0) / 3)) ? best : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
