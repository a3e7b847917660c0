/** An OAuth error answer of the token endpoint (RFC 6749 §5.2). Internal control flow, never logged with secrets. */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
  readonly status: number;
  readonly error: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, error: string, description: string, headers: Record<string, string> = {}) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}
