/**
 * What `attachTokenManager` put on one request: which token, the exact header value, and whether
 * the request is already a replay. Kept on the request config under its attachment's own Symbol
 * (`authRecordOf`); the token, the header value and the proof are private fields, so logging or serialising a
 * config never shows them (the flags are plain fields: they hold no secret).
 */
export class AuthRecord {
  readonly #token: string;
  readonly #headerValue: string;
  readonly #proof: Readonly<Record<string, string>> | undefined;
  /**
   * Whether the token was withheld from where the response came from (a redirect hop the policy
   * does not allow): that response's 401 says nothing about the token.
   */
  withheld = false;
  /** Set by the first send that takes the record as it is (the send it was made for). */
  claimed = false;
  /**
   * `url`, `baseURL` (a `URL` object as its string) and `allowAbsoluteUrls` when the token was put on:
   * unchanged at send, judged already.
   */
  judged: readonly unknown[] | undefined;

  /**
   * @param replay a replay is never replayed again: its 401 reaches the caller.
   * @param nonceReplayed with a sender constraint: whether this request already answered a
   *   resource-server nonce challenge.
   */
  constructor(
    token: string,
    headerValue: string,
    readonly replay: boolean,
    readonly nonceReplayed = false,
    proof?: Readonly<Record<string, string>>,
  ) {
    this.#token = token;
    this.#headerValue = headerValue;
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

  /** The scheme the header value carries the token with (`''`: the bare token), for `shouldRefresh`. */
  get scheme(): string {
    return this.#headerValue.slice(0, ~this.#token.length); // `<scheme> <token>`: all but ' <token>'
  }

  /** The proof headers sent with the token (sender constraint), for `isNonceReplay`. */
  get proof(): Readonly<Record<string, string>> | undefined {
    return this.#proof;
  }
}

/**
 * The record put on `config` under `key`, if any. `key` is an attachment's own Symbol, so two
 * attachments on one instance (two managers, two headers) each keep their record and redact their
 * own token. Recent axios versions copy Symbol keys when they merge a config (axios/axios#11043), so a
 * config re-sent by the caller (e.g. by axios-retry) is recognised; older ones drop it, and a config
 * without a record is simply never replayed: losing the mark can cost a replay, never cause a loop.
 */
export function authRecordOf(config: object, key: symbol): AuthRecord | undefined {
  const record = (config as Record<symbol, unknown>)[key];
  return record instanceof AuthRecord ? record : undefined;
}
