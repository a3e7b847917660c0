import { redactedError } from '../internal/copy-cause-chain.js';
import { redactor } from '../internal/redact.js';
import { asTesseraError } from './as-tessera-error.js';

/** The storage sign-in keeps its one-time transactions in: `sessionStorage` or anything shaped like it. */
export interface TransactionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}

/** The one-time record of one authorization request, keyed by its `state`. */
export interface SignInTransaction {
  state: string;
  /** The PKCE `code_verifier`. */
  verifier: string;
  /** The OpenID Connect `nonce`, when `openid` was requested. */
  nonce?: string | undefined;
  /** Where the app goes after the callback (path, query and hash). */
  returnTo: string;
  /**
   * The issuer the request went to; the callback's `iss` must equal it, and only an instance for this
   * issuer takes the transaction. Kept in the `used` marker.
   */
  issuer: string;
  /**
   * The `client_id` and `redirect_uri` the request sent (`${clientId} ${redirectUri}`): only an
   * instance of this client takes the transaction. Kept in the `used` marker. Absent in a transaction
   * stored by an older version, which any instance of the issuer takes.
   */
  client?: string | undefined;
  /** Whether the server advertised `authorization_response_iss_parameter_supported`. */
  issRequired: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Set once the callback used the record: a later callback with this state is a replay. */
  used?: true;
}

/**
 * What `take` found for a state. `another-client`: it belongs to another issuer or client and was left
 * in place for that one's instance.
 */
export type TakenTransaction =
  | { kind: 'pending'; transaction: SignInTransaction }
  | { kind: 'replayed' | 'expired' | 'unknown-state' | 'empty' | 'another-client' };

/** Sign-in transactions in a `Storage`, see `transactionStore`. */
export interface TransactionStore {
  /**
   * Stores `transaction`. A storage that fails makes it throw `SIGN_IN_FAILED`, with the storage's error
   * as `cause`: as it is (its class kept), or copied without the verifier when it quotes it.
   */
  save(transaction: SignInTransaction, now: number): void;
  /**
   * Reads and consumes the transaction of `state` synchronously; it leaves a `used` marker behind.
   * A transaction (or marker) of another issuer or client is neither returned nor touched.
   */
  take(state: string, now: number, issuer: string, client: string): TakenTransaction;
}

const PREFIX = 'tessera.sign-in.';

/**
 * Sign-in transactions in a `Storage`: one entry per `state`, so sign-ins started in several tabs (or
 * twice in one) never overwrite each other. Entries older than `ttl` are removed on every access, and
 * at most `max` pending ones are kept (the oldest go first). A used transaction stays as a marker
 * (without its verifier) until its TTL, so a replay is told apart from a foreign callback, and an
 * unknown state (the storage holds entries) from a fresh storage context (it holds none). Every entry
 * belongs to one issuer and one client: `take` for another leaves it, so with two providers on one
 * redirect URI the wrong instance can never send the code and verifier to its own server (a mix-up),
 * and with two clients of one provider the wrong one never spends the other's code. A storage
 * that throws makes `save` and `take` throw: that is never mistaken for "no transaction".
 */
export function transactionStore(
  storage: () => TransactionStorage,
  ttl: number,
  max: number,
): TransactionStore {
  const read = (key: string): SignInTransaction | undefined => {
    const text = storage().getItem(key);
    try {
      const entry = JSON.parse(text ?? 'null') as SignInTransaction | null;
      return typeof entry?.state === 'string' && typeof entry.createdAt === 'number' ? entry : undefined;
    } catch {
      return undefined;
    }
  };

  /** Every readable entry, oldest first, after removing expired and unreadable ones. */
  const collect = (now: number): SignInTransaction[] => {
    const area = storage();
    const keys: string[] = [];
    for (let index = 0; index < area.length; index += 1) {
      const key = area.key(index);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    const entries: SignInTransaction[] = [];
    for (const key of keys) {
      const entry = read(key);
      // An expired pending entry is kept for `take` to report as expired, until twice the TTL. One
      // dated ahead (the clock was set back since) ages as far as it lies ahead, so it expires too.
      if (entry && Math.abs(now - entry.createdAt) <= (entry.used ? ttl : 2 * ttl)) entries.push(entry);
      else area.removeItem(key);
    }
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  };

  return {
    save(transaction, now) {
      try {
        const pending = collect(now).filter((entry) => !entry.used);
        for (const old of pending.slice(0, Math.max(0, pending.length - max + 1))) {
          storage().removeItem(PREFIX + old.state);
        }
        storage().setItem(PREFIX + transaction.state, JSON.stringify(transaction));
      } catch (error) {
        // Storage full or unavailable (sandboxed iframe, privacy mode). Its error may quote what it was
        // given: then its chain is copied with the verifier redacted, else it is the cause as it is (here,
        // not in `asTesseraError`, which the session store shares: its bundle stays without the redaction).
        throw asTesseraError(redactedError(error, redactor([transaction.verifier])));
      }
    },

    take(state, now, issuer, client) {
      // Read before `collect` removes it: a sign-in expired long ago is `expired`, never taken for a
      // fresh storage context (`empty`) or another tab's (`unknown-state`).
      const entry = read(PREFIX + state);
      const entries = collect(now);
      if (entry?.state !== state) {
        return { kind: entries.length > 0 ? 'unknown-state' : 'empty' };
      }
      if (entry.issuer !== issuer || (entry.client ?? client) !== client) return { kind: 'another-client' };
      const { createdAt, used, verifier } = entry;
      storage().setItem(PREFIX + state, JSON.stringify({ state, createdAt, issuer, client, used: true }));
      if (used) return { kind: 'replayed' };
      if (Math.abs(now - createdAt) > ttl) return { kind: 'expired' };
      if (typeof verifier !== 'string' || verifier === '') return { kind: 'empty' };
      return { kind: 'pending', transaction: entry };
    },
  };
}
