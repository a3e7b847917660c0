/** Options renamed or removed, with what to use instead. */
const REPLACED: Readonly<Record<string, string>> = {
  httpClient:
    'httpClient (an axios instance) was replaced by fetch in 0.2: pass fetch (e.g. undici’s fetch with a dispatcher for proxies, CAs and mTLS)',
};

/** Edit distance between `a` and `b` (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a typo. */
function suggestion(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Rejects option keys a plain-JS caller misspelled (TypeScript catches them at compile time).
 *
 * @param where the function, for the message, e.g. `clientCredentials`.
 * @throws {TypeError} `clientCredentials: unknown option "clientSecert" — did you mean "clientSecret"?`
 *   Names the key only, never a value.
 */
export function assertKnownOptions(options: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
    const replaced = REPLACED[name];
    if (replaced) throw new TypeError(`${where}: unknown option ${shown}: ${replaced}`);
    const close = suggestion(name, known);
    throw new TypeError(
      close
        ? `${where}: unknown option ${shown} — did you mean "${close}"?`
        : `${where}: unknown option ${shown}; known options: ${known.join(', ')}`,
    );
  }
}
