// Placeholders README snippets may use without declaring them.
declare const clientSecret: string;
declare const username: string;
declare const password: string;
declare const privateKey: string;
declare function showSignIn(): void;
/** The authorization-code + PKCE sign-in flow from `@tessera/core` (its shape as the bindings use it). */
declare const signIn: {
  start(options?: { returnTo?: string }): Promise<unknown>;
  handleCallback(url?: string): Promise<{
    status: 'handled' | 'not-a-callback' | 'error' | 'navigating';
    error?: unknown;
    returnTo?: string;
  }>;
};
