import { createSignIn, OAuthError } from '@tessera/core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SignInScreen } from './sign-in-screen.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** The sign-in screen as HTML, after a sign-in that failed with `error`. */
const screenAfter = (error: unknown) =>
  renderToStaticMarkup(
    createElement(SignInScreen, {
      session: {} as never,
      policy: { signIn: async () => {} } as never,
      notice: undefined,
      error,
      showDemoUser: false,
    }),
  );

describe('the sign-in screen after a provider error', () => {
  it('never renders the provider’s error_description, and its error only as text', async () => {
    // A callback as a hostile link or provider would shape it, completed by the real createSignIn.
    const storage = new Map<string, string>();
    const signIn = createSignIn({
      issuer: 'https://id.example.test',
      clientId: 'spa',
      redirectUri: 'https://app.example.test/callback',
      transactionStorage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => void storage.set(key, value),
        removeItem: (key) => void storage.delete(key),
        key: (index) => [...storage.keys()][index] ?? null,
        get length() {
          return storage.size;
        },
      },
      fetch: async () =>
        Response.json({
          issuer: 'https://id.example.test',
          authorization_endpoint: 'https://id.example.test/authorize',
          token_endpoint: 'https://id.example.test/token',
        }),
    });
    const state = new URL(await signIn.buildAuthorizationUrl()).searchParams.get('state') ?? '';
    const callback = new URL('https://app.example.test/callback');
    callback.search = new URLSearchParams({
      state,
      error: HOSTILE,
      error_description: '<script>alert(document.cookie)</script> Call 555-0100',
    }).toString();
    const result = await signIn.handleCallback(callback);
    expect(result.status === 'error' && result.error).toBeInstanceOf(OAuthError);

    const html = screenAfter(result.status === 'error' ? result.error : undefined);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('555-0100');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
