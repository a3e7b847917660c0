import { generateKeyPairSync } from 'node:crypto';
import { createDPoP } from '@tessera/dpop';
import { withTokens } from '@tessera/fetch';
import { clientCredentials } from '@tessera/node';
import type { CallTally } from '../call-orders.js';
import { type DemoServices, INVENTORY_RESOURCE, INVENTORY_SCOPE, SHIPPING_CLIENT } from '../demo-services.js';
import { formatDuration } from '../format-duration.js';
import { PhaseRecorder, type PhaseResult } from '../phase-recorder.js';
import type { Timeline } from '../timeline.js';

/**
 * The shipping service calls inventory with DPoP-bound tokens (RFC 9449): its token requests and
 * every API call carry a proof made with its P-256 key; inventory verifies each proof and the
 * token's `cnf.jkt`. Nonces (auth's and inventory's) cost one retry each, never a token request;
 * the token alone, stolen, is refused.
 */
export async function dpopScene(
  services: DemoServices,
  timeline: Timeline,
  calls: number,
): Promise<PhaseResult> {
  const phase = new PhaseRecorder(
    services,
    timeline,
    '6. DPoP',
    `shipping calls inventory ${calls + 2} times with tokens bound to its key: a proof per request, a stolen token is worthless.`,
  );
  const { auth, inventory } = services;
  const before = { ...auth.stats(), ...inventory.stats() };
  const beforeNonce = auth.stats().rejected.use_dpop_nonce ?? 0;
  // In production the key comes from a secret store; every instance sharing the tokens uses the same key.
  const dpop = createDPoP({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
  const credentials = clientCredentials({
    issuer: auth.issuer,
    ...SHIPPING_CLIENT,
    scope: INVENTORY_SCOPE,
    resource: INVENTORY_RESOURCE,
    dpop,
    clock: services.clock.now,
  });
  // The target's manager carries `dpop`: withTokens sends `DPoP <token>` and a fresh proof with no option.
  const api = withTokens(fetch, credentials.for(), { baseUrl: inventory.url });
  const get = async (): Promise<number> => {
    const response = await api('/stock/sku-1');
    await response.body?.cancel();
    return response.status;
  };
  try {
    const startedAt = performance.now();
    timeline.event('shipping', `GET /stock/sku-1 with @tessera/node ({ dpop }) + @tessera/fetch`);
    const statuses = [await get()];
    timeline.event('shipping', `GET /stock/sku-1 × ${calls}, all at once`);
    statuses.push(...(await Promise.all(Array.from({ length: calls }, get))));
    const afterBurst = inventory.stats();
    const issuedBeforeRotation = auth.stats().issued;
    inventory.rotateDPoPNonce();
    timeline.event('inventory', 'rotated its DPoP nonce');
    statuses.push(await get());
    const rotationTokens = auth.stats().issued - issuedBeforeRotation;

    const afterRotation = inventory.stats();

    const token = credentials.for().peekTokens()?.accessToken ?? '';
    timeline.event(
      'demo',
      'a thief replays the token without the key: as Bearer, then with proofs of its own key',
    );
    const url = `${inventory.url}/stock/sku-1`;
    const asBearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await asBearer.body?.cancel();
    const thief = createDPoP();
    const steal = async (): Promise<Response> => {
      const proof = await thief.headersFor({ method: 'GET', url, accessToken: token });
      const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, ...proof } });
      thief.learn({ url, status: response.status, headers: response.headers });
      await response.body?.cancel();
      return response;
    };
    let otherKey = await steal();
    // The thief answers the nonce challenge like any client: the key is what it lacks.
    if (otherKey.headers.get('www-authenticate')?.includes('use_dpop_nonce')) otherKey = await steal();

    const now = { ...auth.stats(), ...inventory.stats() };
    const counted = phase.counted();
    const failed = statuses.filter((status) => status !== 200).length;
    const verified = now.dpopOk - before.dpopOk;
    const authNonces = (now.rejected.use_dpop_nonce ?? 0) - beforeNonce;
    timeline.event(
      'inventory',
      `verified ${verified} proofs (signature, htm, htu, iat, jti, nonce, ath, cnf.jkt); ${afterRotation.nonceChallenges - before.nonceChallenges} nonce challenges for shipping; refused the thief ${asBearer.status} and ${otherKey.status}`,
    );
    phase.expect(
      failed === 0 && verified === statuses.length,
      `${statuses.length - failed} of ${statuses.length} calls succeeded, each with its own verified proof (expected all)`,
    );
    phase.expect(
      now.issued - before.issued === 1 && authNonces === 1,
      `${now.issued - before.issued} DPoP-bound token issued after ${authNonces} nonce retry at auth (expected 1 and 1)`,
    );
    phase.expect(
      afterBurst.nonceChallenges - before.nonceChallenges === 1 &&
        afterRotation.nonceChallenges - afterBurst.nonceChallenges === 1 &&
        rotationTokens === 0,
      `inventory's nonce cost one retry at first and one after its rotation, ${rotationTokens} token requests (expected 1, 1 and 0)`,
    );
    phase.expect(
      asBearer.status === 401 && otherKey.status === 401 && counted.unauthorized === 2,
      `the stolen token was refused: ${asBearer.status} as Bearer, ${otherKey.status} with another key (expected 401 and 401)`,
    );
    const tally: CallTally = {
      calls: statuses.length,
      failedCalls: failed,
      failures: [],
      duration: performance.now() - startedAt,
    };
    timeline.event('demo', `${statuses.length - failed} × 200 in ${formatDuration(tally.duration)}`);
    return phase.finish(tally);
  } finally {
    credentials.dispose();
  }
}
