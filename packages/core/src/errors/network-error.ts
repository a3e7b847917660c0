import { TesseraError } from './tessera-error.js';

/**
 * The token request never got an HTTP response (DNS failure, connection refused or reset, CORS
 * rejection in a browser). Retried with backoff; when retries are exhausted, check connectivity.
 * `cause` holds the transport's message and code only — never the request it was sending.
 */
export class NetworkError extends TesseraError {
  constructor(where: string, cause?: unknown) {
    super('NETWORK_ERROR', `Token request failed before any response (network error) — ${where}`, {
      cause: sanitizeCause(cause),
    });
    this.name = 'NetworkError';
  }
}

function sanitizeCause(cause: unknown): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const safe = new Error(cause.message);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}
