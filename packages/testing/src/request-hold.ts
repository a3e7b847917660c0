/** A token request held at the door by `auth.holdNextTokenRequest()`. */
export interface HeldRequest {
  /** Resolves when the held request has arrived (it is counted and waits). */
  readonly arrived: Promise<void>;
  /** Lets the request go on to be processed and answered. Safe to call more than once. */
  release(): void;
}

/** Queued holds for the next token requests, in order of arrival. */
export class RequestHolds {
  #queue: Array<{ arrive: () => void; gate: Promise<void>; release: () => void }> = [];
  /** Releases of holds a request has reached and waits at. */
  readonly #waiting = new Set<() => void>();

  /** Holds the next token request that has no hold yet. */
  add(): HeldRequest {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#queue.push({ arrive, gate, release });
    return { arrived, release };
  }

  /** Called by each arriving request: waits while a hold applies to it. */
  async wait(): Promise<void> {
    const hold = this.#queue.shift();
    if (hold === undefined) return;
    this.#waiting.add(hold.release);
    hold.arrive();
    await hold.gate;
    this.#waiting.delete(hold.release);
  }

  /** Releases every hold, reached or not, and drops them, so no request waits forever. */
  clear(): void {
    for (const hold of this.#queue) hold.release();
    for (const release of this.#waiting) release();
    this.#queue = [];
    this.#waiting.clear();
  }
}
