import { callOrders } from '../call-orders.js';
import { type DemoServices, INVENTORY_SCOPE, REPORTS_CLIENT } from '../demo-services.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import type { Timeline } from '../timeline.js';

/** A valid token without the required scope gets 403, which no refresh can fix, so none is attempted. */
export async function missingScope(services: DemoServices, timeline: Timeline): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '5. Missing scope',
    `A client allowed only inventory:audit calls an endpoint that needs ${INVENTORY_SCOPE}.`,
  );
  const orders = await services.startOrders({ ...REPORTS_CLIENT, scope: 'inventory:audit' });
  try {
    timeline.event('demo', `POST /orders through a deployment using the "${REPORTS_CLIENT.clientId}" client`);
    const tally = await callOrders(orders.url, 1);
    const counted = phase.counted();
    const [failure] = tally.failures;
    timeline.event('inventory', `answered ${counted.forbidden} × 403 insufficient_scope`);
    phase.expect(
      failure?.reason === '403' && counted.forbidden === 1,
      `the call failed with HTTP ${failure?.reason ?? 'nothing'} (expected 403)`,
    );
    phase.expect(
      counted.tokenRequests === 1,
      `${counted.tokenRequests} token request: a 403 causes no refresh (expected 1)`,
    );
    return phase.finish(tally);
  } finally {
    await orders.close();
  }
}
