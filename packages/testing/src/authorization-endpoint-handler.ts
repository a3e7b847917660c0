import { HttpResponse, http, type RequestHandler } from 'msw';
import type { AuthServerState } from './auth-server.js';
import { logAuthorization } from './authorization-request-log.js';
import { callbackUrl, errorPage, formPostPage, REDIRECT_STATUS } from './authorization-response.js';
import { AuthorizationRequestError, answerAuthorization } from './authorize.js';
import type { ServerContext } from './server-context.js';

/**
 * The msw handler of the authorization endpoint: signs the first user (or the `login_hint` one) in at
 * once and answers 303 to the callback, as `auth.authorize` returns it, or for `response_mode=form_post`
 * oidc-provider's auto-submitting HTML form (200, or 400 when it carries an `error`); for a request
 * that cannot be redirected (unknown client, bad `redirect_uri`) oidc-provider's error page (400, HTML,
 * with its `error` code, the kit's own description, `state` and `iss`). Every answer is
 * `Cache-Control: no-store`, as oidc-provider's (its `noCache` middleware). Logs each request in
 * `authorizationRequests`.
 */
export function authorizationEndpointHandler(
  context: ServerContext,
  state: Pick<AuthServerState, 'authorizationRequests'>,
): RequestHandler {
  return http.get(context.authorizationUrl, ({ request }) => {
    const noStore = { 'Cache-Control': 'no-store' };
    // As oidc-provider (koa) sends it: without a charset a browser reads the page as windows-1252.
    const html = { ...noStore, 'Content-Type': 'text/html; charset=utf-8' };
    try {
      const entry = { via: 'endpoint', at: context.clock() } as const;
      const response = logAuthorization(state.authorizationRequests, entry, request.url, () =>
        answerAuthorization(context, request.url),
      );
      if (response.mode === 'form_post') {
        const status = response.params.error === undefined ? 200 : 400;
        return HttpResponse.html(formPostPage(response), { status, headers: html });
      }
      const headers = { ...noStore, Location: callbackUrl(response) };
      return new Response(null, { status: REDIRECT_STATUS, headers });
    } catch (error) {
      if (!(error instanceof AuthorizationRequestError)) throw error;
      // `state` as oidc-provider shows it: sent once and not empty.
      const states = new URL(request.url).searchParams.getAll('state');
      const page = errorPage({
        error: error.error,
        error_description: error.message,
        ...(states.length === 1 && states[0] ? { state: states[0] } : {}),
        iss: context.issuer,
      });
      return HttpResponse.html(page, { status: 400, headers: html });
    }
  });
}
