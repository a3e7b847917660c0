// Type tests, checked by `tsc` in the typecheck step (`expectTypeOf` fails compilation when wrong).
import { TokenManager } from '@tessera/core';
import axios, { type AxiosError } from 'axios';
import { expectTypeOf } from 'vitest';
import { attachTokenManager } from './attach-token-manager.js';
import { attachTokenManagerDefaults } from './attach-token-manager-options.js';

const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'a' }) });
const api = axios.create({ baseURL: 'https://api.example.com' });

expectTypeOf(attachTokenManager(api, tokens)).toEqualTypeOf<() => void>();
expectTypeOf(attachTokenManagerDefaults.header).toEqualTypeOf<'Authorization'>();
expectTypeOf(attachTokenManagerDefaults.shouldRefresh).toEqualTypeOf<
  (error: AxiosError, scheme?: string) => boolean
>();

// `origins`: one exact origin or RegExp, or a list of them.
attachTokenManager(api, tokens, { origins: 'https://api.example.com' });
attachTokenManager(api, tokens, { origins: /^https:\/\/[a-z]+\.example\.com$/ });
attachTokenManager(api, tokens, {
  origins: ['https://api.example.com', /^https:\/\/x\.example\.com$/] as const,
});
// @ts-expect-error origins are strings or RegExps
attachTokenManager(api, tokens, { origins: 443 });
attachTokenManager(api, tokens, {
  header: 'X-Api-Token',
  scheme: '',
  shouldRefresh: (error) => {
    expectTypeOf(error).toEqualTypeOf<AxiosError>();
    return attachTokenManagerDefaults.shouldRefresh(error) || error.response?.status === 419;
  },
});
// The scheme the token went with, to pass on to the default.
attachTokenManager(api, tokens, {
  shouldRefresh: (error, scheme) => {
    expectTypeOf(scheme).toEqualTypeOf<string | undefined>();
    return attachTokenManagerDefaults.shouldRefresh(error, scheme) || error.response?.status === 419;
  },
});

// `skipAuth` is part of every axios request config through module augmentation.
void api.get('/health', { skipAuth: true });
void axios.request({ url: 'https://api.example.com/health', skipAuth: false });
// @ts-expect-error skipAuth is a boolean
void api.get('/health', { skipAuth: 'yes' });
