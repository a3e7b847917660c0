import { HttpResponse, http, type RequestHandler } from 'msw';
import { AuthorizationRequestError, authorize } from './authorize.js';
import type { ServerContext } from './server-context.js';

/**
 * The msw handler of the authorization endpoint: signs the first user (or the `login_hint` one) in at
 * once and answers 302 to the callback, as `auth.authorize` returns it; 400 for a request that cannot
 * be redirected (unknown client, bad `redirect_uri`).
 */
export function authorizationEndpointHandler(context: ServerContext): RequestHandler {
  return http.get(context.authorizationUrl, ({ request }) => {
    try {
      return new Response(null, { status: 302, headers: { Location: authorize(context, request.url) } });
    } catch (error) {
      if (!(error instanceof AuthorizationRequestError)) throw error;
      return HttpResponse.text(error.message, { status: 400 });
    }
  });
}
