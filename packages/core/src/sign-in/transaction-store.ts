/** The storage sign-in keeps its one-time transactions in: `sessionStorage` or anything shaped like it. */
export type TransactionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/** The one-time record of one authorization request, keyed by its `state`. */
export interface SignInTransaction {
  state: string;
  /** The PKCE `code_verifier`. */
  verifier: string;
  /** The OpenID Connect `nonce`, when `openid` was requested. */
  nonce?: string | undefined;
  /** Where the app goes after the callback (path, query and hash). */
  returnTo: string;
  /** The issuer the request went to; the callback's `iss` must equal it. */
  issuer: string;
  /** Whether the server advertised `authorization_response_iss_parameter_supported`. */
  issRequired: boolean;
  /** Epoch ms. */
  createdAt: number;
  /** Set once the callback used the record: a later callback with this state is a replay. */
  used?: true;
}

/** What `take` found for a state. */
export type TakenTransaction =
  | { kind: 'pending'; transaction: SignInTransaction }
  | { kind: 'replayed' | 'expired' | 'unknown-state' | 'empty' };

const PREFIX = 'tessera.sign-in.';

/**
 * Sign-in transactions in a `Storage`: one entry per `state`, so sign-ins started in several tabs (or
 * twice in one) never overwrite each other. Entries older than `ttl` are removed on every access, and
 * at most `max` pending ones are kept (the oldest go first). A used transaction stays as a marker
 * (without its verifier) until its TTL, so a replay is told apart from a foreign callback.
 */
export class TransactionStore {
  readonly #storage: () => TransactionStorage;
  readonly #ttl: number;
  readonly #max: number;

  constructor(storage: () => TransactionStorage, ttl: number, max: number) {
    this.#storage = storage;
    this.#ttl = ttl;
    this.#max = max;
  }

  save(transaction: SignInTransaction, now: number): void {
    const pending = this.#collect(now).filter((entry) => !entry.used);
    for (const old of pending.slice(0, Math.max(0, pending.length - this.#max + 1))) {
      this.#storage().removeItem(PREFIX + old.state);
    }
    this.#storage().setItem(PREFIX + transaction.state, JSON.stringify(transaction));
  }

  /** Reads and consumes the transaction of `state` synchronously; it leaves a `used` marker behind. */
  take(state: string, now: number): TakenTransaction {
    const entries = this.#collect(now);
    const raw = this.#read(PREFIX + state);
    const storage = this.#storage();
    if (raw?.state === state) {
      storage.setItem(PREFIX + state, JSON.stringify({ state, createdAt: raw.createdAt, used: true }));
      if (raw.used) return { kind: 'replayed' };
      if (now - raw.createdAt > this.#ttl) return { kind: 'expired' };
      if (typeof raw.verifier !== 'string' || raw.verifier === '') return { kind: 'empty' };
      return { kind: 'pending', transaction: raw };
    }
    return { kind: entries.some((entry) => !entry.used) ? 'unknown-state' : 'empty' };
  }

  /** Every readable entry, oldest first, after removing expired and unreadable ones. */
  #collect(now: number): SignInTransaction[] {
    const storage = this.#storage();
    const keys: string[] = [];
    for (let index = 0; index < storage.length; index += 1) {
      const key = storage.key(index);
      if (key?.startsWith(PREFIX)) keys.push(key);
    }
    const entries: SignInTransaction[] = [];
    for (const key of keys) {
      const entry = this.#read(key);
      // An expired pending entry is kept for `take` to report as expired, until twice the TTL.
      const limit = entry?.used ? this.#ttl : 2 * this.#ttl;
      if (entry && now - entry.createdAt <= limit) entries.push(entry);
      else storage.removeItem(key);
    }
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  }

  #read(key: string): SignInTransaction | undefined {
    try {
      const value: unknown = JSON.parse(this.#storage().getItem(key) ?? 'null');
      const entry = value as SignInTransaction | null;
      return typeof entry?.state === 'string' && typeof entry.createdAt === 'number' ? entry : undefined;
    } catch {
      return undefined;
    }
  }
}
