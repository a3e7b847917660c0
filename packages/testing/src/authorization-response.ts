/** How an authorization response reaches the client (OAuth 2.0 Multiple Response Types, Form Post). */
export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** An answer to an authorization request that goes back to the client: its parameters and how. */
export interface AuthorizationResponse {
  redirectUri: string;
  mode: ResponseMode;
  /** `code` or `error` (+ `error_description`), then `state`, `iss`, in that order. */
  params: Record<string, string>;
}

/** oidc-provider 9 redirects to the callback with 303 (`response_modes/query.js`, `fragment.js`), errors too. */
export const REDIRECT_STATUS = 303;

const RESPONSE_MODES: ReadonlySet<string> = new Set<ResponseMode>(['query', 'fragment', 'form_post']);

/** Whether oidc-provider 9 knows this `response_mode` (any other is `unsupported_response_mode`). */
export function isResponseMode(value: string): value is ResponseMode {
  return RESPONSE_MODES.has(value);
}

/**
 * The mode oidc-provider 9 answers in, errors included: the `response_mode` sent once, if it knows it,
 * else `fragment` for a `response_type` with `token` in it (`token`, `id_token`, …), else `query`.
 */
export function responseModeOf(query: URLSearchParams): ResponseMode {
  const once = (name: string): string => {
    const values = query.getAll(name);
    return values.length === 1 ? (values[0] ?? '') : '';
  };
  const mode = once('response_mode');
  if (isResponseMode(mode)) return mode;
  return once('response_type').includes('token') ? 'fragment' : 'query';
}

/**
 * The callback URL: the parameters in its query or, for `fragment`, in its fragment. For `form_post`
 * (which has no URL) the form's action with its fields as the query.
 */
export function callbackUrl({ redirectUri, mode, params }: AuthorizationResponse): string {
  const url = new URL(redirectUri);
  if (mode === 'fragment') url.hash = new URLSearchParams(params).toString();
  else for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** oidc-provider 9's `form_post` page: a form that posts the parameters to `redirect_uri` on load. */
export function formPostPage({ redirectUri, params }: AuthorizationResponse): string {
  const inputs = Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}"/>`)
    .join('\n');
  return `<!DOCTYPE html>
<html>
<head>
  <title>Submitting Callback</title>
  <script>document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit() });</script>
</head>
<body>
  <form method="post" action="${escapeHtml(redirectUri)}">
    ${inputs}
    <noscript><button autofocus type="submit">Continue</button></noscript>
  </form>
</body>
</html>`;
}

/**
 * oidc-provider 9's error page (its default `renderError`), for a request it cannot redirect: each of
 * `params` (`error`, `error_description`, `state`, `iss`) on a line, HTML-escaped. Served as
 * `text/html; charset=utf-8`, with status 400.
 */
export function errorPage(params: Record<string, string>): string {
  const lines = Object.entries(params)
    .map(([name, value]) => `<pre><strong>${escapeHtml(name)}</strong>: ${escapeHtml(value)}</pre>`)
    .join('\n    ');
  return `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>oops! something went wrong</title>
</head>
<body>
  <div class="container">
    <h1>oops! something went wrong</h1>
    ${lines}
  </div>
</body>
</html>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
