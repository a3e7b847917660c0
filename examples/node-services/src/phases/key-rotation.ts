import { callOrders } from '../call-orders.js';
import type { DemoServices } from '../demo-services.js';
import { formatDuration } from '../format-duration.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import type { Timeline } from '../timeline.js';

/**
 * The authorization server replaces its signing key and inventory drops the old one: the token orders
 * holds is refused. `@tessera/axios` refreshes once for all the 401s and replays each call once.
 */
export async function keyRotation(
  services: DemoServices,
  timeline: Timeline,
  items: number,
): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '3. Key rotation',
    `The signing key is replaced while orders holds a valid token; then an order with ${items} line items ` +
      'makes orders check all of them at once.',
  );
  const { oldKid, newKid } = await services.auth.rotateSigningKey();
  timeline.event('auth', `new signing key ${newKid}; the old key ${oldKid} is withdrawn from the JWKS`);
  await services.inventory.reloadKeys();
  timeline.event('inventory', `reloaded the JWKS: tokens signed by ${oldKid} are refused from now on`);
  timeline.event('demo', `POST /orders with ${items} line items`);
  const tally = await callOrders(services.orders.url, 1, items);
  const counted = phase.counted();
  timeline.event(
    'inventory',
    `answered ${counted.unauthorized} × 401 invalid_token (unknown key), then ${counted.inventoryOk} × 200`,
  );
  timeline.event(
    'demo',
    `order ${tally.failures.length === 0 ? 'placed' : 'failed'}: ${tally.calls - tally.failedCalls} of ${tally.calls} items checked, in ${formatDuration(tally.duration)}`,
  );
  phase.expect(
    counted.unauthorized > 0 && counted.tokenRequests === 1,
    `${counted.unauthorized} × 401 led to ${counted.tokenRequests} token request (expected 1)`,
  );
  phase.expect(
    tally.failedCalls === 0 && counted.inventoryOk === items,
    `${counted.unauthorized} replays, ${tally.failedCalls} failed calls (expected every replay to succeed)`,
  );
  return phase.finish(tally);
}
