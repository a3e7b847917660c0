/** How `signInThroughForms` fills in the provider's pages. */
export interface FormAnswers {
  /** @default 'alice' */
  username?: string;
  /** @default 'wonderland' */
  password?: string;
  /** The login page's button. @default 'login' */
  login?: 'login' | 'cancel';
  /** The consent page's button. @default 'allow' */
  consent?: 'allow' | 'cancel';
}

const HTML_ENTITIES: Record<string, string> = {
  '&quot;': '"',
  '&lt;': '<',
  '&gt;': '>',
  '&#39;': "'",
  '&amp;': '&',
};
const decodeHtml = (value: string): string =>
  value.replace(/&(?:quot|lt|gt|#39|amp);/g, (entity) => HTML_ENTITIES[entity] ?? entity);

/**
 * Reads a `response_mode=form_post` page (oidc-provider's auto-submitting form): the form's action with
 * its hidden fields as the query, or undefined when `html` has no form that posts outside `origin`.
 * @throws {TypeError} `origin` is not an absolute URL, or the form's action is not a URL; the message
 *   names which, without the action or the page (the fields carry the code).
 */
export function readFormPost(html: string, origin: string): URL | undefined {
  if (!URL.canParse(origin)) {
    throw new TypeError(
      "readFormPost(html, origin): origin must be an absolute URL, e.g. 'http://127.0.0.1:4400'",
    );
  }
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) return undefined;
  const target = decodeHtml(action);
  if (!URL.canParse(target, origin)) {
    throw new TypeError(
      "readFormPost: the form_post page's form action is not a URL (its redirect_uri is malformed)",
    );
  }
  const url = new URL(target, origin);
  if (url.origin === origin) return undefined;
  for (const [, name = '', value = ''] of html.matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g,
  )) {
    url.searchParams.set(decodeHtml(name), decodeHtml(value));
  }
  return url;
}

/**
 * Plays the user's part of a sign-in from Node, as a browser would: follows the provider's redirects
 * by hand with a cookie jar, submits the login and consent forms, and returns the URL the provider
 * finally redirects to outside its own origin (the app's callback URL with `code`, `state`, `iss`, or
 * `error`; for `response_mode=form_post`, the form's action with its fields as the query). Throws
 * when a page is not what a sign-in expects (e.g. wrong password).
 */
export async function signInThroughForms(
  authorizationUrl: string | URL,
  answers: FormAnswers = {},
): Promise<string> {
  const start = new URL(authorizationUrl);
  const jar = new Map<string, string>();
  let url = start;
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const [name = '', value = ''] = pair.split(/=(.*)/s).map((part) => part.trim());
      const expired = attributes.some((attribute) => /^\s*expires=Thu, 01 Jan 1970/i.test(attribute));
      if (value === '' || expired) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== start.origin) return next.href;
      url = next;
      body = undefined;
      continue;
    }
    const html = await response.text();
    const formPost = readFormPost(html, start.origin);
    if (formPost) return formPost.href;
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action) {
      throw new Error(`Unexpected page from the provider: HTTP ${response.status} at ${url.pathname}`);
    }
    url = new URL(action.replaceAll('&amp;', '&'), url);
    body = html.includes('name="username"')
      ? new URLSearchParams({
          username: answers.username ?? 'alice',
          password: answers.password ?? 'wonderland',
          action: answers.login ?? 'login',
        })
      : new URLSearchParams({ action: answers.consent ?? 'allow' });
  }
  throw new Error('The sign-in did not reach the app within 20 steps');
}
