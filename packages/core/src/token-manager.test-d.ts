// Type tests, checked by `tsc` in the typecheck step (`expectTypeOf` fails compilation when wrong).
import { expectTypeOf } from 'vitest';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';
import type { TokenResponse, TokenSet } from './token-set.js';

const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'a' }) });

expectTypeOf(tokens.getAccessToken()).toEqualTypeOf<Promise<string>>();
expectTypeOf(tokens.getTokens({ forceRefresh: true })).toEqualTypeOf<Promise<TokenSet>>();
expectTypeOf(tokens.invalidate('a')).toEqualTypeOf<boolean>();
expectTypeOf(tokens.subscribe(() => {})).toEqualTypeOf<() => void>();

// fetchTokens may return either shape.
new TokenManager({ fetchTokens: async () => ({ accessToken: 'a', tokenType: 'Bearer', expiresAt: 1 }) });
// @ts-expect-error a token response needs access_token
new TokenManager({ fetchTokens: async () => ({ token: 'a' }) });

// `scope` is typed as RFC 6749 §3.3 has it; an array is accepted at run time (decision 0013), not typed,
// so reading `scope` stays a string for every caller, `requestToken`'s included.
expectTypeOf<TokenResponse['scope']>().toEqualTypeOf<string | undefined>();
expectTypeOf<TokenSet['scope']>().toEqualTypeOf<string | undefined>();
// @ts-expect-error an array scope needs a cast in a typed fetchTokens
new TokenManager({ fetchTokens: async () => ({ access_token: 'a', scope: ['read'] }) });

// Events narrow on `type`.
tokens.subscribe((event: TokenEvent) => {
  if (event.type === 'refreshed') expectTypeOf(event.tokens).toEqualTypeOf<TokenSet>();
  if (event.type === 'session_expired') expectTypeOf(event.error.code).toBeString();
  if (event.type === 'cleared')
    expectTypeOf(event.reason).toEqualTypeOf<'clear' | 'session_expired' | 'external'>();
});

// exactOptionalPropertyTypes: options may be omitted but not set to undefined.
// @ts-expect-error refreshMargin is a number when given
new TokenManager({ fetchTokens: async () => ({ access_token: 'a' }), refreshMargin: '30s' });

// `using tokens = new TokenManager(…)` type-checks where the lib knows Disposable (docs/decisions/0020).
expectTypeOf(tokens).toExtend<Disposable>();
