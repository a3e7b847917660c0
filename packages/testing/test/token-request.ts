/** Test helper: POSTs a form to a token endpoint the way an OAuth2 client would. */
export interface TokenCall {
  /** Form parameters; `grant_type` among them. */
  form: Record<string, string | string[]>;
  /** `[clientId, secret]` sent as `client_secret_basic`, each part form-urlencoded (RFC 6749 §2.3.1). */
  basic?: [string, string];
  headers?: Record<string, string>;
}

export function postToken(tokenUrl: string, call: TokenCall): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(call.form)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    ...call.headers,
  };
  if (call.basic) {
    const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
    headers.Authorization = `Basic ${btoa(`${encode(call.basic[0])}:${encode(call.basic[1])}`)}`;
  }
  return fetch(tokenUrl, { method: 'POST', headers, body });
}

/** Decodes a JWT's payload without verifying it. */
export function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
}
