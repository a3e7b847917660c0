// Type tests, checked by `tsc` in the typecheck step (`expectTypeOf` fails compilation when wrong).
import { expectTypeOf } from 'vitest';
import type { TesseraError } from '../errors/tessera-error.js';
import { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import { createSignIn } from './create-sign-in.js';
import type { IdTokenClaims } from './id-token.js';

const tokens = new TokenManager({ fetchTokens: (context) => signIn.fetchTokens(context) });
const signIn = createSignIn({
  issuer: 'https://id.example.com',
  clientId: 'web',
  redirectUri: 'https://app/cb',
  tokens,
});

const result = await signIn.handleCallback();
if (result.status === 'handled') {
  expectTypeOf(result.tokens).toEqualTypeOf<TokenSet>();
  expectTypeOf(result.claims).toEqualTypeOf<IdTokenClaims | undefined>();
  expectTypeOf(result.returnTo).toEqualTypeOf<string>();
} else if (result.status === 'error') {
  expectTypeOf(result.error).toEqualTypeOf<TesseraError>();
} else if (result.status === 'not-a-callback') {
  expectTypeOf(result.cleaned).toEqualTypeOf<boolean>();
} else {
  expectTypeOf(result).toEqualTypeOf<{ status: 'navigating'; navigation: Promise<void> }>();
}
expectTypeOf(signIn.buildAuthorizationUrl()).toEqualTypeOf<Promise<URL>>();
expectTypeOf(signIn.claims()?.name).toEqualTypeOf<string | undefined>();
// A URL is accepted as well as a string (it is copied).
createSignIn({ issuer: 'https://id.example.com', clientId: 'web', redirectUri: new URL('https://app/cb') });
// @ts-expect-error redirectUri is required
createSignIn({ issuer: 'https://id.example.com', clientId: 'web' });
// @ts-expect-error extra authorization parameters are strings
void signIn.start({ params: { max_age: 0 } });
