/**
 * The OAuth `error` an authorization response carried (RFC 6749 §4.1.2.1), kept verbatim: text from the
 * URL, which anyone who can send a link chooses. Error messages quote it only through `quotable` (decision 1106).
 */
export interface AuthorizationResponseError {
  /** e.g. `access_denied`, `login_required`. */
  error: string;
  /** The server's `error_description`. */
  errorDescription: string | undefined;
}

/** The `error` and `error_description` of callback parameters, if there is an `error`. */
export function authorizationErrorOf(params: URLSearchParams): AuthorizationResponseError | undefined {
  const error = params.get('error');
  return error === null
    ? undefined
    : { error, errorDescription: params.get('error_description') ?? undefined };
}
