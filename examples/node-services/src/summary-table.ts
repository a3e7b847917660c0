import type { PhaseResult } from './phase-recorder.js';

const COLUMNS = ['calls', 'token requests', '401s', 'failed calls', 'expectations'] as const;

/** The summary: one row per chapter, a total, and whether each chapter's expectations held. */
export function summaryTable(phases: readonly PhaseResult[]): string {
  const rows = phases.map((phase) => [
    phase.title,
    phase.calls,
    phase.tokenRequests,
    phase.unauthorized,
    phase.failures,
    phase.checks.every((check) => check.ok) ? 'held' : 'NOT MET',
  ]);
  const sum = (index: number): number => rows.reduce((total, row) => total + Number(row[index]), 0);
  const total = ['total', sum(1), sum(2), sum(3), sum(4), ''];
  const header = ['', ...COLUMNS];
  const widths = header.map((_, index) =>
    Math.max(...[header, ...rows, total].map((row) => String(row[index]).length)),
  );
  const format = (row: readonly (string | number)[]): string =>
    `  ${row
      .map((cell, index) =>
        typeof cell === 'number'
          ? String(cell).padStart(widths[index] ?? 0)
          : cell.padEnd(widths[index] ?? 0),
      )
      .join('   ')
      .trimEnd()}`;
  const rule = `  ${'─'.repeat(widths.reduce((total, width) => total + width, 0) + 3 * (widths.length - 1))}`;
  return [format(header), rule, ...rows.map(format), rule, format(total)].join('\n');
}
