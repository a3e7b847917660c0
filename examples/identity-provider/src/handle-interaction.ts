import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Settings } from './identity-provider-options.js';
import { consentPage, loginPage } from './interaction-pages.js';

/** Serves `/interaction/:uid`: the login page, then the consent page. Returns false for any other path. */
export async function handleInteraction(
  provider: Provider,
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (!/^\/interaction\/[\w-]+$/.test(path)) return false;
  try {
    const details = await provider.interactionDetails(req, res);
    const action = `/interaction/${details.uid}`;
    const clientId = String(details.params.client_id);
    const prompt = details.prompt.name;
    if (req.method !== 'POST') {
      const scopes = String(details.params.scope ?? '').split(' ');
      return html(
        res,
        200,
        prompt === 'login' ? loginPage(action, clientId) : consentPage(action, clientId, scopes),
      );
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('action') === 'cancel') {
      const cancelled = { error: 'access_denied', error_description: 'The user cancelled the sign-in' };
      await provider.interactionFinished(req, res, cancelled, { mergeWithLastSubmission: false });
      return true;
    }
    if (prompt === 'login') {
      const user = settings.users.find(
        (candidate) =>
          candidate.username === form.get('username') && candidate.password === form.get('password'),
      );
      if (!user) return html(res, 401, loginPage(action, clientId, 'Wrong username or password'));
      await provider.interactionFinished(req, res, { login: { accountId: user.username } });
      return true;
    }
    const { accountId } = details.session ?? {};
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: accountId ?? '', clientId });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return html(
      res,
      400,
      `<!doctype html><title>Sign-in failed</title><p>This sign-in cannot continue (${name}). Go back to the app and sign in again.</p>`,
    );
  }
}

function html(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
  return true;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 10_000) throw new Error('body too large');
  }
  return body;
}
