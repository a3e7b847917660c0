import { callOrders } from '../call-orders.js';
import { type DemoServices, ORDERS_CLIENT } from '../demo-services.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import type { Timeline } from '../timeline.js';
import { watchTokens } from '../watch-tokens.js';

/** A wrong secret the misconfigured deployment uses; it must never show up in an error. */
const WRONG_SECRET = 'orders-old-secret';

/** A deployment with a wrong client secret fails fast with `invalid_client`, without retries and without leaking the secret. */
export async function wrongSecret(services: DemoServices, timeline: Timeline): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '4. Wrong secret',
    'A second orders deployment still has an old client secret. Its token request must fail clearly.',
  );
  const orders = await services.startOrders({ clientId: ORDERS_CLIENT.clientId, clientSecret: WRONG_SECRET });
  const watch = watchTokens(orders.tokens, timeline, 'orders (old secret)', services.clock.now);
  try {
    timeline.event('demo', 'POST /orders to the misconfigured deployment');
    const tally = await callOrders(orders.url, 1);
    const counted = phase.counted();
    const [failure] = tally.failures;
    timeline.event('orders', `answered 502: ${failure?.message ?? 'no failure'}`);
    phase.expect(
      failure?.reason === 'invalid_client',
      `the call failed with ${failure?.reason ?? 'nothing'} (expected invalid_client)`,
    );
    phase.expect(
      counted.tokenRequests === 1 && counted.unauthorized === 0,
      `${counted.tokenRequests} token request, not retried; inventory never called (expected 1 and 0 × 401)`,
    );
    phase.expect(
      failure !== undefined && !JSON.stringify(failure).includes(WRONG_SECRET),
      'the error names the OAuth error and the token endpoint, never the secret',
    );
    return phase.finish(tally);
  } finally {
    watch.stop();
    await orders.close();
  }
}
