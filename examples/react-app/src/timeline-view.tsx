import { type JSX, useSyncExternalStore } from 'react';
import { describeTimelineGroup, groupTimeline } from './demo/group-timeline.js';
import type { RequestTimeline } from './demo/request-timeline.js';

/**
 * The live request timeline: every API call with its status and the short hash of the token it
 * carried, 401s, refreshes, replays, sign-in and sign-out. Identical consecutive rows fold into one
 * (`20 × GET /me`), so a single flight reads as three lines.
 */
export function TimelineView({ timeline }: { timeline: RequestTimeline }): JSX.Element {
  const entries = useSyncExternalStore(timeline.subscribe, timeline.entries);
  const groups = groupTimeline(entries);
  return (
    <section className="card timeline" data-testid="timeline" aria-labelledby="timeline-title">
      <div className="timeline-header">
        <h2 id="timeline-title">Request timeline</h2>
        <button type="button" className="secondary" onClick={timeline.clear}>
          Clear
        </button>
      </div>
      {groups.length === 0 ? (
        <p className="hint">API calls, refreshes and sign-outs show up here as they happen.</p>
      ) : (
        <ol className="timeline-rows">
          {groups.map((group) => {
            const line = describeTimelineGroup(group);
            return (
              <li
                key={group.first.id}
                className="timeline-row"
                data-testid="timeline-row"
                data-kind={group.first.kind}
                data-count={group.count}
                data-status={group.first.status}
                data-token={group.first.token ?? ''}
              >
                <time>{line.time}</time>
                <span className="what">{line.what}</span>
                <span className="status">{line.status}</span>
                <code className="token">{line.token}</code>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
