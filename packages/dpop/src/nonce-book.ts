import type { Clock } from '@tessera/core';
import { type HeadersLike, readHeader } from './read-header.js';

/** RFC 9449 §8.1: `nonce = 1*NQCHAR` (printable ASCII without `"` and `\`). */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** Server clock differences below this are ignored: `Date` has one-second resolution. */
const OFFSET_THRESHOLD = 5_000;

/**
 * What DPoP learns from servers: the latest `DPoP-Nonce` per origin (authorization server and each
 * resource server separately, RFC 9449 §8, §9) and the server clock's offset from the client's.
 */
export class NonceBook {
  readonly #nonces = new Map<string, string>();
  readonly #clock: Clock;
  #offset = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The latest nonce the server at `url`'s origin sent, if any. */
  nonceFor(url: URL): string | undefined {
    return this.#nonces.get(url.origin);
  }

  /** Seconds since the epoch on the servers' clock, for `iat`. */
  serverTime(): number {
    return Math.floor((this.#clock() + this.#offset) / 1000);
  }

  /**
   * Records a response of the server at `url`: its `DPoP-Nonce` (from any status) and its `Date`.
   * Returns the nonce it sent, if it sent a valid one.
   */
  learn(url: URL, headers: HeadersLike | undefined | null): string | undefined {
    const date = Date.parse(readHeader(headers, 'date') ?? '');
    if (Number.isFinite(date)) {
      const offset = date - this.#clock();
      this.#offset = Math.abs(offset) < OFFSET_THRESHOLD ? 0 : offset;
    }
    const nonce = readHeader(headers, 'dpop-nonce')?.trim();
    if (nonce === undefined || !NONCE.test(nonce)) return undefined;
    this.#nonces.set(url.origin, nonce);
    return nonce;
  }

  clear(): void {
    this.#nonces.clear();
  }
}
