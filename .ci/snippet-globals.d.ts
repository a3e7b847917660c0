// Placeholders README snippets may use without declaring them.
declare const clientSecret: string;
declare const username: string;
declare const password: string;
declare const privateKey: string;
declare function showSignIn(): void;
