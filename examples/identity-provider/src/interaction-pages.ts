/** The provider's own login and consent pages: plain HTML forms a person or a test can fill in. */

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tessera example identity provider</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f4f5f7}
main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;width:min(22rem,calc(100vw - 2rem));box-sizing:border-box}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
.actions{display:flex;gap:.5rem;margin-top:1.25rem;flex-wrap:wrap}button{flex:1;padding:.6rem;font:inherit;cursor:pointer}
.error{color:#b00020}
</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

export function loginPage(action: string, clientId: string, error?: string): string {
  return page(
    'Sign in',
    `<p>to continue to <strong>${escapeHtml(clientId)}</strong></p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button></div>
</form>`,
  );
}

export function consentPage(action: string, clientId: string, scopes: readonly string[]): string {
  return page(
    'Allow access',
    `<p><strong>${escapeHtml(clientId)}</strong> asks for: ${scopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(', ')}</p>
<form method="post" action="${escapeHtml(action)}">
<div class="actions"><button type="submit" name="action" value="allow">Allow</button>
<button type="submit" name="action" value="cancel">Cancel</button></div>
</form>`,
  );
}
