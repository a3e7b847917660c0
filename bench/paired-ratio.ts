/**
 * Per-request cost of each variant as a ratio to a baseline, measured in pairs: every sample of a
 * variant is timed between two samples of the baseline, and its ratio is taken against their mean.
 * The figure is the median of those ratios over all rounds. A burst of load on a shared machine then
 * moves one ratio, not the baseline of every ratio (as comparing two medians taken minutes apart
 * would); the variants' order rotates each round. Used by the per-request benches (decision 0019).
 */

/** One sample: `batch` sequential operations of one variant. */
export type Sample = () => Promise<void>;

export interface PairedResult {
  name: string;
  /** Median time per operation over all rounds, in nanoseconds. */
  nsPerOp: number;
  /** Median of the per-round ratios to the baseline sampled around it. */
  ratio: number;
  /** Spread of the per-round ratios: the 25th and 75th percentile. */
  quartiles: [number, number];
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
};

/**
 * @param batch operations per sample (each `Sample` runs that many)
 * @param rounds measured rounds, after one warm-up round that is not counted
 */
export async function pairedRatios(
  baseline: Sample,
  variants: ReadonlyArray<readonly [string, Sample]>,
  { batch, rounds }: { batch: number; rounds: number },
): Promise<PairedResult[]> {
  const time = async (sample: Sample): Promise<number> => {
    const start = performance.now();
    await sample();
    return ((performance.now() - start) * 1e6) / batch;
  };
  const ratios = variants.map(() => [] as number[]);
  const times = variants.map(() => [] as number[]);
  const baselineTimes: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const index = (round + i) % variants.length;
      const before = await time(baseline);
      const measured = await time(variants[index]![1]);
      const after = await time(baseline);
      if (round === 0) continue;
      baselineTimes.push(before, after);
      times[index]!.push(measured);
      ratios[index]!.push(measured / ((before + after) / 2));
    }
  }
  return [
    { name: 'baseline', nsPerOp: percentile(baselineTimes, 0.5), ratio: 1, quartiles: [1, 1] },
    ...variants.map(([name], index) => ({
      name,
      nsPerOp: percentile(times[index]!, 0.5),
      ratio: percentile(ratios[index]!, 0.5),
      quartiles: [percentile(ratios[index]!, 0.25), percentile(ratios[index]!, 0.75)] as [number, number],
    })),
  ];
}

/** One row of a per-request table: time per request, the ratio to the baseline and its middle half. */
export function perRequestRow(variant: string, result: PairedResult): Record<string, string> {
  return {
    variant,
    'µs / request': (result.nsPerOp / 1e3).toFixed(2),
    'vs baseline': result.ratio.toFixed(3),
    'middle half': `${result.quartiles[0].toFixed(2)}–${result.quartiles[1].toFixed(2)}`,
  };
}
