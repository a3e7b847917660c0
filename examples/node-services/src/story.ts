import { isOidcProviderRuntimeUnsupported } from '@tessera/example-identity-provider';
import {
  type DemoServices,
  INVENTORY_RESOURCE,
  INVENTORY_SCOPE,
  startDemoServices,
} from './demo-services.js';
import { formatDuration } from './format-duration.js';
import type { PhaseResult } from './phase-recorder.js';
import { burst } from './phases/burst.js';
import { dpopScene } from './phases/dpop.js';
import { expiry } from './phases/expiry.js';
import { keyRotation } from './phases/key-rotation.js';
import { missingScope } from './phases/missing-scope.js';
import { wrongSecret } from './phases/wrong-secret.js';
import type { StoryClock } from './story-clock.js';
import type { Timeline } from './timeline.js';
import { watchTokens } from './watch-tokens.js';

/** Options of `runStory`. Durations in ms. */
export interface StoryOptions {
  timeline: Timeline;
  /**
   * Lifetime of access tokens. Orders refreshes them when half of it is left, so the burst must
   * finish within half of it to need a single token.
   * @default 8_000
   */
  accessTokenTtl?: number;
  /** Concurrent calls of the burst. @default 200 */
  burstCalls?: number;
  /** Concurrent calls after the key rotation. @default 50 */
  rotationCalls?: number;
  /** Concurrent DPoP calls of the shipping service. @default 100 */
  dpopCalls?: number;
  /**
   * The time the services go by. Tests pass `steppedTime()`: time then passes only where the
   * story pauses (the steady traffic of the expiry chapter), so a slow machine changes no count.
   * @default realTime
   */
  clock?: StoryClock;
  /**
   * How long orders waits for each inventory call, in ms: a bound for a hung inventory, which a
   * story that goes well never reaches. Tests on a loaded machine give it more room.
   * @default 5_000
   */
  inventoryTimeout?: number;
}

/** The outcome of the story. The services are still running: call `close()`. */
export interface StoryResult {
  phases: PhaseResult[];
  /** Whether every expectation held. */
  ok: boolean;
  services: DemoServices;
  close(): Promise<void>;
}

/**
 * Starts auth, inventory and orders on 127.0.0.1 and plays the story: a burst, calls across token
 * expiries, a signing-key rotation, a wrong client secret, a missing scope, and DPoP-bound tokens.
 * Each chapter checks its own numbers.
 */
export async function runStory(options: StoryOptions): Promise<StoryResult> {
  const { timeline, accessTokenTtl = 8_000, burstCalls = 200, rotationCalls = 50, dpopCalls = 100 } = options;
  timeline.event('demo', 'starting auth, inventory and orders on free ports of 127.0.0.1');
  const services = await startDemoServices({
    accessTokenTtl,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.inventoryTimeout ? { inventoryTimeout: options.inventoryTimeout } : {}),
    onTokenRequest: (request) =>
      timeline.event(
        'auth',
        request.outcome === 'issued'
          ? `issued an access token to ${request.clientId} (RS256, key ${request.kid}, ${formatDuration(accessTokenTtl)})`
          : `refused a token request from ${request.clientId ?? 'an unknown client'}: ${request.error}`,
      ),
  });
  const watch = watchTokens(services.orders.tokens, timeline, 'orders', services.clock.now);
  try {
    introduce(services, timeline, accessTokenTtl);
    const phases = [
      await burst(services, timeline, burstCalls),
      await expiry(services, timeline, accessTokenTtl),
      await keyRotation(services, timeline, rotationCalls),
      await wrongSecret(services, timeline),
      await missingScope(services, timeline),
      await dpopScene(services, timeline, dpopCalls),
    ];
    const ok = phases.every((phase) => phase.checks.every((check) => check.ok));
    return { phases, ok, services, close: services.close };
  } catch (error) {
    await services.close();
    throw error;
  } finally {
    watch.stop();
  }
}

function introduce(services: DemoServices, timeline: Timeline, accessTokenTtl: number): void {
  const { auth, inventory, orders } = services;
  timeline.event(
    'auth',
    `oidc-provider at ${auth.issuer}: client credentials, RS256 JWTs for ${INVENTORY_RESOURCE}, living ${formatDuration(accessTokenTtl)}`,
  );
  if (isOidcProviderRuntimeUnsupported()) {
    timeline.event(
      'note',
      `oidc-provider 9 supports Node.js 22+; on Node.js ${process.versions.node} its "Unsupported runtime" warning is hidden (everything used here works)`,
    );
  }
  timeline.event(
    'inventory',
    `GET ${inventory.url}/stock/:sku, verifies Bearer JWTs with jose against ${auth.jwksUri} (needs ${INVENTORY_SCOPE})`,
  );
  timeline.event(
    'orders',
    `POST ${orders.url}/orders, calls inventory through @tessera/node + @tessera/axios`,
  );
  timeline.event(
    'shipping',
    'calls inventory with DPoP-bound tokens (RFC 9449) through @tessera/node + @tessera/fetch + @tessera/dpop',
  );
}
