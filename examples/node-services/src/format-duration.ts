/** `1234` → `1.2 s`, `85.3` → `85 ms`. */
export function formatDuration(ms: number): string {
  return Math.abs(ms) < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
