import { copyCauseChain } from '../internal/copy-cause-chain.js';
import { TesseraError } from './tessera-error.js';

/**
 * The request to an OAuth endpoint never got an HTTP response (DNS failure, connection refused or
 * reset, TLS failure, CORS rejection in a browser). The message says what happened when the
 * transport told (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`…). Retried with backoff; when
 * retries are exhausted, check connectivity. `cause` holds the transport's messages and codes only
 * (its cause chain, rebuilt) — never the request it was sending.
 */
export class NetworkError extends TesseraError {
  /**
   * @param detail what happened, e.g. `ECONNREFUSED`.
   * @param request what was sent, for the message.
   * @default detail the `code` found in `cause`'s chain, else 'network error'
   * @default request 'Token request'
   */
  constructor(where: string, cause?: unknown, detail?: string, request = 'Token request') {
    const what = detail ?? codeOf(cause) ?? 'network error';
    super('NETWORK_ERROR', `${request} failed before any response (${what}) — ${where}`, {
      cause: copyCauseChain(cause),
    });
    this.name = 'NetworkError';
  }
}

/** The first string `code` in `error`'s cause chain (undici puts `ECONNREFUSED` on `cause`). */
function codeOf(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return codeOf(error.cause, depth + 1);
}
