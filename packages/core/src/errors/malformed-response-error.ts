import { TesseraError } from './tessera-error.js';

/** What was wrong with the response. */
export type MalformedReason =
  | 'not_json'
  | 'not_an_object'
  | 'missing_access_token'
  | 'missing_id_token'
  | 'invalid_field';

/**
 * The token endpoint (or `fetchTokens`) answered with something that is not a usable token
 * response: an HTML page with HTTP 200, JSON that is not an object, no `access_token`, a
 * non-numeric `expires_in`; or, for a sign-in that asked for `openid`, no `id_token` (its tokens are
 * not stored). Not retried: the server is misconfigured or the URL points elsewhere.
 */
export class MalformedResponseError extends TesseraError {
  declare readonly reason: MalformedReason;
  /** HTTP status, when the response came over HTTP. */
  declare readonly status: number | undefined;

  constructor(reason: MalformedReason, detail: string, where: string, status?: number) {
    const http = status === undefined ? '' : ` (HTTP ${status})`;
    super('MALFORMED_RESPONSE', `Token response is malformed: ${detail}${http} — ${where}`);
    this.name = 'MalformedResponseError';
    this.reason = reason;
    this.status = status;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, status: this.status };
  }
}
