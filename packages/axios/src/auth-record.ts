/**
 * What `attachTokenManager` put on one request: which attachment, which token, the exact header
 * value, and whether the request is already a replay. Kept on the request config under a private
 * Symbol; the fields are private so logging or serialising a config never shows the token.
 */
export class AuthRecord {
  readonly #owner: object;
  readonly #token: string;
  readonly #headerValue: string;
  readonly #replay: boolean;
  readonly #nonced: boolean;
  readonly #proof: Readonly<Record<string, string>> | undefined;
  #withheld = false;
  #claimed = false;

  constructor(
    owner: object,
    token: string,
    headerValue: string,
    replay: boolean,
    nonceReplayed = false,
    proof?: Readonly<Record<string, string>>,
  ) {
    this.#owner = owner;
    this.#token = token;
    this.#headerValue = headerValue;
    this.#replay = replay;
    this.#nonced = nonceReplayed;
    this.#proof = proof;
  }

  /** The access token the request carried: the one to invalidate when it is rejected. */
  get token(): string {
    return this.#token;
  }

  /** The header value this attachment set; any other value was set by the caller. */
  get headerValue(): string {
    return this.#headerValue;
  }

  /** A replay is never replayed again: its 401 reaches the caller. */
  get replay(): boolean {
    return this.#replay;
  }

  /** With a sender constraint: whether this request already answered a resource-server nonce challenge. */
  get nonceReplayed(): boolean {
    return this.#nonced;
  }

  /** The proof headers sent with the token (sender constraint), for `isNonceChallenge`. */
  get proof(): Readonly<Record<string, string>> | undefined {
    return this.#proof;
  }

  /**
   * Whether the token was withheld from where the response came from (a redirect hop the policy
   * does not allow): that response's 401 says nothing about the token.
   */
  get withheld(): boolean {
    return this.#withheld;
  }

  /** `true` the first time only: the send this record was made for takes it as it is. */
  claim(): boolean {
    if (this.#claimed) return false;
    this.#claimed = true;
    return true;
  }

  /** Records that a redirect hop went to an origin the policy does not allow. */
  withhold(): void {
    this.#withheld = true;
  }

  /** Whether this record belongs to the attachment `owner`. */
  isOwnedBy(owner: object): boolean {
    return this.#owner === owner;
  }
}

/**
 * The config key of the `AuthRecord`. Recent axios versions copy Symbol keys when they merge a config
 * (axios/axios#11043), so a config re-sent by the caller (e.g. by axios-retry) is recognised; older
 * ones drop it, and a config without a record is simply never replayed: losing the mark can cost a
 * replay, never cause a loop.
 */
export const AUTH_RECORD: unique symbol = Symbol('@tessera/axios');

/** The record `owner` put on `config`, if any. */
export function authRecordOf(config: object, owner: object): AuthRecord | undefined {
  const record = (config as { [AUTH_RECORD]?: unknown })[AUTH_RECORD];
  return record instanceof AuthRecord && record.isOwnedBy(owner) ? record : undefined;
}
