import { TesseraError } from './tessera-error.js';

/** What was wrong with the response. */
export type MalformedReason =
  | 'not_json'
  | 'not_an_object'
  | 'missing_access_token'
  | 'missing_id_token'
  | 'invalid_field'
  | 'too_large'
  | 'incomplete'
  | 'redirected';

/**
 * The token endpoint (or `fetchTokens`) answered with something that is not a usable token
 * response: an HTML page with HTTP 200, JSON that is not an object, no `access_token`, a
 * non-numeric `expires_in`; or, for a sign-in that asked for `openid`, no `id_token` (its tokens are
 * not stored). Also any OAuth endpoint (token, discovery, revocation) whose body is over 1 MiB
 * (`too_large`, whatever the status; see `readJsonBody`), or whose 2xx body broke off before its end
 * (`incomplete`: the server acted on the request, e.g. rotated a refresh token), or whose answer came
 * after a redirect the `fetch` given followed though asked not to (`redirected`: a wrapper that dropped
 * `redirect: 'manual'`; the request and its secrets may have gone to another server). Not retried: the server
 * is misconfigured or the URL points elsewhere, or a retry would spend a refresh token again.
 */
export class MalformedResponseError extends TesseraError {
  declare readonly reason: MalformedReason;
  /** HTTP status, when the response came over HTTP. */
  declare readonly status: number | undefined;

  /**
   * @param request what was sent, for the message: its answer is named after it.
   * @default request 'Token request'
   */
  constructor(
    reason: MalformedReason,
    detail: string,
    where: string,
    status?: number,
    request = 'Token request',
  ) {
    super(
      'MALFORMED_RESPONSE',
      `${request.replace('request', 'response')} is malformed: ${detail}${status === undefined ? '' : ` (HTTP ${status})`} — ${where}`,
    );
    this.name = 'MalformedResponseError';
    this.reason = reason;
    this.status = status;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, status: this.status };
  }
}
