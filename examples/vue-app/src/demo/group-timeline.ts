import type { TimelineEntry } from './request-timeline.js';

/** Consecutive timeline rows that say the same thing, shown as one line (`20 × GET /me 401`). */
export interface TimelineGroup {
  /** The first row of the group. */
  first: TimelineEntry;
  /** How many rows it stands for. */
  count: number;
}

/**
 * Folds consecutive rows of the same kind, label, status and token into one group, so 20 parallel
 * calls read as one line, the refresh as the next, and the 20 replays as the one after.
 */
export function groupTimeline(entries: readonly TimelineEntry[]): TimelineGroup[] {
  const groups: TimelineGroup[] = [];
  for (const entry of entries) {
    const last = groups.at(-1);
    if (last && sameRow(last.first, entry)) last.count += 1;
    else groups.push({ first: entry, count: 1 });
  }
  return groups;
}

function sameRow(a: TimelineEntry, b: TimelineEntry): boolean {
  return a.kind === b.kind && a.label === b.label && a.status === b.status && a.token === b.token;
}

/** What a timeline line shows, e.g. `{ time: '12:00:01.250', what: '20 × GET /me (replay)', status: '200', token: 'token 3fa94c1e' }`. */
export interface TimelineLine {
  /** UTC time of the group's first row, `hh:mm:ss.mmm`. */
  time: string;
  what: string;
  status: string;
  token: string;
}

/** The texts of one timeline line. */
export function describeTimelineGroup({ first, count }: TimelineGroup): TimelineLine {
  const times = count > 1 ? `${count} × ` : '';
  const replay = first.kind === 'replay' ? ' (replay)' : '';
  return {
    time: new Date(first.at).toISOString().slice(11, 23),
    what: `${times}${first.label}${replay}`,
    status: first.status,
    token: first.token === undefined ? '' : `token ${first.token}`,
  };
}
