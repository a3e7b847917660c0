import type { CallTally } from './call-orders.js';
import type { DemoServices } from './demo-services.js';
import type { Timeline } from './timeline.js';

/** The numbers of one chapter of the story, for the summary table. */
export interface PhaseResult {
  title: string;
  /** Inventory calls orders made (first attempts; replays not counted). */
  calls: number;
  /** Token requests the authorization server received (issued + rejected). */
  tokenRequests: number;
  /** 401 answers of the inventory API. */
  unauthorized: number;
  /** Inventory calls that failed for good, after any refresh and replay. */
  failures: number;
  /** Why the failed orders failed: an OAuth `error` code, an HTTP status of inventory, or `network`. */
  reasons: string[];
  /** The chapter's expectations and whether they held. */
  checks: { ok: boolean; message: string }[];
}

interface Counters {
  tokenRequests: number;
  unauthorized: number;
  forbidden: number;
  inventoryOk: number;
}

/** Counts what happened between its creation and `finish`, and records the chapter's expectations. */
export class PhaseRecorder {
  readonly #services: DemoServices;
  readonly #timeline: Timeline;
  readonly #title: string;
  readonly #before: Counters;
  readonly #checks: PhaseResult['checks'] = [];

  constructor(services: DemoServices, timeline: Timeline, title: string, what: string) {
    this.#services = services;
    this.#timeline = timeline;
    this.#title = title;
    timeline.phase(title, what);
    this.#before = this.#read();
  }

  /** What the services counted since the phase began. */
  counted(): Counters {
    const now = this.#read();
    return {
      tokenRequests: now.tokenRequests - this.#before.tokenRequests,
      unauthorized: now.unauthorized - this.#before.unauthorized,
      forbidden: now.forbidden - this.#before.forbidden,
      inventoryOk: now.inventoryOk - this.#before.inventoryOk,
    };
  }

  /** Records and prints one expectation. */
  expect(ok: boolean, message: string): void {
    this.#checks.push({ ok, message });
    this.#timeline.check(ok, message);
  }

  /** The chapter's numbers, with the calls as `callOrders` counted them. */
  finish({ calls, failedCalls, failures }: CallTally): PhaseResult {
    const { tokenRequests, unauthorized } = this.counted();
    return {
      title: this.#title,
      calls,
      tokenRequests,
      unauthorized,
      failures: failedCalls,
      reasons: failures.map((failure) => failure.reason),
      checks: this.#checks,
    };
  }

  #read(): Counters {
    const auth = this.#services.auth.stats();
    const inventory = this.#services.inventory.stats();
    const rejected = Object.values(auth.rejected).reduce((sum, count) => sum + count, 0);
    return {
      tokenRequests: auth.issued + rejected,
      unauthorized: inventory.unauthorized,
      forbidden: inventory.forbidden,
      inventoryOk: inventory.ok,
    };
  }
}
