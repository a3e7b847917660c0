/** What the OAuth transport passes to `fetch(url, init)`: a decorator (DPoP) may add headers and send again. */
export interface OAuthFetchInit {
  method: string;
  /** A plain object; a decorator may pass a `Headers` on. */
  headers: Record<string, string>;
  /** The form-encoded body, for POST. */
  body?: string;
  /** Redirects from OAuth endpoints are never followed. */
  redirect: 'manual';
  signal: AbortSignal;
  /**
   * Marks `body` as one-time: it must never be sent twice as it is (a client assertion, whose `jti` a
   * server accepts once). A decorator that sends again (DPoP's nonce and clock retries) calls it for
   * the body of its resend instead. Set by `@tessera/node` for `private_key_jwt`; never by core.
   * @default undefined (`body` may be sent again as it is)
   */
  resendBody?: (() => Promise<string>) | undefined;
}

/** The part of a fetch `Response` the transport reads. */
export interface OAuthFetchResponse {
  readonly status: number;
  /**
   * `true`: the `fetch` followed a redirect though the request said `redirect: 'manual'`; the answer is
   * refused (`MalformedResponseError` `redirected`).
   */
  readonly redirected?: boolean;
  readonly headers: { get(name: string): string | null };
  /**
   * The body as a stream of bytes (a web `ReadableStream`), read up to 1 MiB (see `readJsonBody`).
   * Without one, `text()` is read instead, and only a `Content-Length` over 1 MiB is refused.
   */
  readonly body?: {
    getReader(): {
      read(): Promise<{ done: true; value?: unknown } | { done: false; value: Uint8Array }>;
      cancel(): Promise<void>;
    };
  } | null;
  text(): Promise<string>;
}

/**
 * The `fetch` option of every OAuth request: the platform's `fetch`, undici's `fetch` (its
 * `Response` type differs from the global one, and still fits), or a decorator of either.
 */
export type FetchLike = (url: string, init: OAuthFetchInit) => Promise<OAuthFetchResponse>;
