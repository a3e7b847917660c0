import { type CallTally, callOrders } from '../call-orders.js';
import type { DemoServices } from '../demo-services.js';
import { formatDuration } from '../format-duration.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import { silentTimeline, type Timeline } from '../timeline.js';
import { watchTokens } from '../watch-tokens.js';

/** Pause between two calls of the steady traffic, in ms. */
const PACE = 100;
/** Refreshes to wait for: the second one happens after the first token's expiry. */
const REFRESHES = 2;

/** Steady traffic across token expiries: orders refreshes ahead of time, inventory never sees an expired token. */
export async function expiry(
  services: DemoServices,
  timeline: Timeline,
  accessTokenTtl: number,
): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '2. Expiry',
    `Tokens live ${formatDuration(accessTokenTtl)}. One order every ${PACE} ms until orders has refreshed twice.`,
  );
  // Time as the services see it: the wall clock in the demo, a stepped clock in its tests.
  const { clock } = services;
  const watch = watchTokens(services.orders.tokens, silentTimeline, 'orders', clock.now);
  const deadline = clock.now() + accessTokenTtl * (REFRESHES + 2);
  const total: CallTally = { calls: 0, failedCalls: 0, failures: [], duration: 0 };
  let noted = false;
  try {
    while (watch.refreshes.length < REFRESHES && clock.now() < deadline) {
      const tally = await callOrders(services.orders.url, 1);
      total.calls += tally.calls;
      total.failedCalls += tally.failedCalls;
      total.failures.push(...tally.failures);
      await clock.sleep(PACE);
      const [first] = watch.refreshes;
      if (first?.leftMs !== undefined && !noted && clock.now() >= first.at + first.leftMs) {
        noted = true;
        timeline.event(
          'note',
          `the burst's token expires now; orders stopped using it ${formatDuration(first.leftMs)} ago, calls go on`,
        );
      }
    }
  } finally {
    watch.stop();
  }
  const counted = phase.counted();
  const left = watch.refreshes.map((refresh) => formatDuration(refresh.leftMs ?? 0)).join(', ');
  timeline.event('demo', `${total.calls - total.failedCalls} of ${total.calls} orders placed`);
  phase.expect(
    counted.tokenRequests === REFRESHES,
    `${counted.tokenRequests} token requests, ${counted.unauthorized} × 401 (expected ${REFRESHES} and 0)`,
  );
  phase.expect(
    watch.refreshes.length === REFRESHES && watch.refreshes.every((refresh) => (refresh.leftMs ?? 0) > 0),
    `every refresh came before the old token expired (time left: ${left || 'none'})`,
  );
  phase.expect(total.failedCalls === 0, `${total.failedCalls} failed calls (expected 0)`);
  return phase.finish(total);
}
