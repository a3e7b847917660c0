import { callOrders } from '../call-orders.js';
import type { DemoServices } from '../demo-services.js';
import { formatDuration } from '../format-duration.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import type { Timeline } from '../timeline.js';

/** Many concurrent calls reach orders before it has a token: they all wait for one token request. */
export async function burst(services: DemoServices, timeline: Timeline, calls: number): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '1. Burst',
    `${calls} orders arrive at once and orders has no token yet: ${calls} inventory calls must share one token request.`,
  );
  timeline.event('demo', `POST /orders × ${calls}, all at once`);
  const tally = await callOrders(services.orders.url, calls);
  const counted = phase.counted();
  timeline.event(
    'demo',
    `${calls - tally.failures.length} × 201 Created, ${tally.failures.length} failed, in ${formatDuration(tally.duration)}`,
  );
  phase.expect(
    counted.tokenRequests === 1,
    `${counted.tokenRequests} token request for ${calls} concurrent calls (expected 1)`,
  );
  phase.expect(
    tally.failedCalls === 0 && counted.unauthorized === 0,
    `${tally.failedCalls} failed calls, ${counted.unauthorized} × 401 (expected 0 and 0)`,
  );
  return phase.finish(tally);
}
