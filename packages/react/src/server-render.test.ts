// Plain Node, no DOM: what a server render (Next.js, Remix) does.
import { TokenManager } from '@tessera/core';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { RequireSession } from './require-session.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

function Status() {
  return h('p', null, useSession().status);
}

describe('server rendering', () => {
  it('imports and renders loading without window, document, storage, the callback or a token request', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const fetchTokens = vi.fn();
    const tokens = new TokenManager({ fetchTokens });
    const ready = vi.spyOn(tokens, 'ready');
    const signIn = { start: vi.fn(), handleCallback: vi.fn() };
    const html = renderToString(
      h(
        TesseraProvider,
        { tokens, signIn },
        h(Status),
        h(RequireSession, { fallback: 'please wait' }, 'secret'),
      ),
    );
    expect(html).toBe('<p>loading</p>please wait');
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(ready).not.toHaveBeenCalled();
    expect(signIn.handleCallback).not.toHaveBeenCalled();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('renders loading even when the manager already holds tokens (no hydration mismatch)', async () => {
    const tokens = new TokenManager({ fetchTokens: vi.fn() });
    await tokens.setTokens({ access_token: 'a', expires_in: 60 });
    expect(renderToString(h(TesseraProvider, { tokens }, h(Status)))).toBe('<p>loading</p>');
  });
});
