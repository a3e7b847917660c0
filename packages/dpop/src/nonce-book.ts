import type { Clock } from '@tessera/core';
import { type HeadersLike, readHeader } from './read-header.js';

/**
 * RFC 9449 §8.1: `nonce = 1*NQCHAR` (printable ASCII without `"` and `\`), at most 4096 of them: a
 * longer one (a broken or hostile server) would go into every proof to its origin and never fit a
 * request's headers, so it is not kept.
 */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]{1,4096}$/;
/** Server clock differences below this are ignored: `Date` has one-second resolution. */
const OFFSET_THRESHOLD = 5_000;
/**
 * How many origins a {@link NonceBook} remembers, in nonces and in clocks each: a nonce is kept for
 * the origins most recently signed a proof for or sending one, a clock for those most recently sending
 * a readable `Date`. An app (or hostile redirects and responses) reaching more origins forgets the
 * least recent: its next proof goes without a nonce (one challenge, answered by the one retry) and
 * with the authorization server's offset. Not an option (the package's size row has no room for one).
 * @default 100
 */
export const NONCE_BOOK_ORIGINS = 100;

/** Which clocks a response teaches `NonceBook.learn` (an enum: esbuild inlines its members, so the names cost no bytes). */
export enum ClockLesson {
  /** No clock: an API's answer other than a 401, or one to a `GET`/`HEAD`, may be a stored copy with an old `Date`. */
  None,
  /** The clock of the response's origin. */
  Origin,
  /**
   * The clock of the response's origin, also as the offset of origins never heard from: the
   * authorization server's own answer to `dpop.fetch`.
   */
  Default,
}

/**
 * What DPoP learns from servers, per origin (authorization server and each resource server
 * separately): the latest `DPoP-Nonce` (RFC 9449 §8, §9) and the server clock's offset from the
 * client's. An origin that never sent a readable `Date` (cross-origin without it exposed) gets the
 * offset the authorization server taught last (`dpop.fetch`): the client clock's error is the same for
 * every server. Never a resource server's: any allowed API (or the end of its redirect) could then move
 * the proofs to every other origin.
 */
export interface NonceBook {
  /** The latest nonce the server at `url`'s origin sent, if any; asking for it (a proof) keeps it among the recent. */
  nonceFor(url: URL): string | undefined;
  /** Seconds since the epoch on the clock of the server at `url`'s origin, for `iat`. */
  serverTime(url: URL): number;
  /**
   * Records a response of the server at `url`: its `DPoP-Nonce` (from any status) and, per `clocked`,
   * its clock, `Date` plus `Age` (a cached response's `Date` is as old as its `Age`). Returns the
   * nonce it sent, if it sent a valid one and kept it (not a stored copy's older than the nonce kept:
   * `ClockLesson.None` with a `Date` over 5 s before the kept nonce's); `false` if it sent several
   * different ones (none kept).
   * @param clocked which clocks the response teaches.
   */
  learn(url: URL, headers: HeadersLike | undefined | null, clocked: ClockLesson): string | false | undefined;
  /** Forgets the nonces (sign-out); the clocks stay known. */
  clear(): void;
}

/** A {@link NonceBook} reading the client time from `clock`. */
export function nonceBook(clock: Clock): NonceBook {
  // Each origin's nonce and the `Date` of the answer that brought it.
  const nonces = new Map<string, [string, number]>();
  const offsets = new Map<string, number>();
  let latest = 0;
  return {
    nonceFor: (url) => {
      // A proof with it marks the nonce as in use.
      const kept = nonces.get(url.origin);
      if (kept) keep(nonces, url.origin, kept);
      return kept?.[0];
    },
    serverTime: (url) => Math.floor((clock() + (offsets.get(url.origin) ?? latest)) / 1000),
    learn: (url, headers, clocked) => {
      // `Age` is whole seconds, never negative (RFC 9111 §5.1): a negative or unreadable one is ignored,
      // and of a list the first member counts (parseInt stops at the comma; it also takes the digits
      // that start `1.5` or `10s`: a second or so, not worth a stricter parser's bytes). An unreadable
      // `Date` makes the sum NaN: such a response teaches no clock.
      const sentAt = Date.parse(readHeader(headers, 'date') ?? '');
      const date = sentAt + Math.max(0, Number.parseInt(readHeader(headers, 'age') ?? '', 10) || 0) * 1000;
      if (clocked !== ClockLesson.None && Number.isFinite(date)) {
        const offset = date - clock();
        const kept = Math.abs(offset) < OFFSET_THRESHOLD ? 0 : offset;
        if (clocked === ClockLesson.Default) latest = kept;
        keep(offsets, url.origin, kept);
      }
      // Several `DPoP-Nonce` fields arrive joined with `, ` (a nonce has no space): the same nonce
      // repeated (a proxy adding the server's again) is that nonce; different ones are none, as no
      // client can know which the server takes (RFC 9449 §8.1 allows one).
      const sent = new Set(readHeader(headers, 'dpop-nonce')?.trim().split(', '));
      const [nonce] = sent;
      if (sent.size > 1) return false;
      // An answer that may be a stored copy (`ClockLesson.None`) sent before the one that brought the
      // nonce kept brings back an older nonce: not kept (it would cost a challenge at every use of the
      // copy). Its `Date`, not plus `Age`: a shared cache's copy is as old as its nonce. An unreadable
      // `Date` (NaN), or no nonce kept (undefined), compares false: the nonce is kept, as before.
      if (
        nonce &&
        NONCE.test(nonce) &&
        !(clocked === ClockLesson.None && sentAt + OFFSET_THRESHOLD < (nonces.get(url.origin)?.[1] as number))
      ) {
        keep(nonces, url.origin, [nonce, sentAt]);
        return nonce;
      }
      return undefined;
    },
    clear: () => nonces.clear(),
  };
}

/**
 * Sets `origin` as the most recently used key of `map` (a `Map` iterates in insertion order) and
 * drops the least recent one beyond {@link NONCE_BOOK_ORIGINS}.
 */
function keep<T>(map: Map<string, T>, origin: string, value: T): void {
  map.delete(origin);
  if (map.set(origin, value).size > NONCE_BOOK_ORIGINS) map.delete(map.keys().next().value as string);
}
