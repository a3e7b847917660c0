import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
// Relative import: @tessera/testing depends on @tessera/core, so core cannot list it as a dependency.
import { failUnhandledRequest } from '../../testing/src/fail-unhandled-request.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/token';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

async function timeoutOf(tokens: TokenManager): Promise<unknown> {
  const settled = tokens.getAccessToken().then(
    () => undefined,
    (error: unknown) => error,
  );
  await vi.advanceTimersByTimeAsync(5_000);
  return settled;
}

it('names the token endpoint, not an internal key, when the manager times out a hung token request', async () => {
  vi.useFakeTimers();
  let requests = 0;
  server.use(
    http.post(TOKEN_URL, () => {
      requests += 1;
      return new Promise<never>(() => {});
    }),
  );
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'app' }),
    storage: memoryStorage(),
    timeout: 5_000,
    retry: false,
  });
  await tokens.setTokens({
    accessToken: 'old',
    tokenType: 'Bearer',
    refreshToken: 'rt-secret-1',
    expiresAt: 0,
  });
  const error = await timeoutOf(tokens);
  expect(requests).toBe(1);
  expect(error).toBeInstanceOf(TimeoutError);
  const { message, timeout } = error as TimeoutError;
  expect(message).toBe(`Token request timed out after 5000 ms — POST ${TOKEN_URL}`);
  expect(timeout).toBe(5_000);
  expect(message).not.toContain('tessera');
  expect(message).not.toContain('rt-secret-1');
});

it('names fetchTokens when a custom fetchTokens hangs', async () => {
  vi.useFakeTimers();
  const tokens = new TokenManager({ fetchTokens: () => new Promise(() => {}), timeout: 5_000, retry: false });
  const error = await timeoutOf(tokens);
  expect(error).toBeInstanceOf(TimeoutError);
  expect((error as TimeoutError).message).toBe('Token request timed out after 5000 ms — fetchTokens');
});

it('names the token endpoint when the manager refuses what it answered', async () => {
  server.use(http.post(TOKEN_URL, () => HttpResponse.json({ access_token: 'at-1', expires_in: '0x10' })));
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'app' }),
    retry: false,
  });
  await tokens.setTokens({
    accessToken: 'old',
    tokenType: 'Bearer',
    refreshToken: 'rt-secret-1',
    expiresAt: 0,
  });
  const error = await tokens.getAccessToken().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MalformedResponseError);
  expect((error as Error).message).toMatch(new RegExp(`— POST ${TOKEN_URL}$`));
  expect((error as Error).message).not.toContain('tessera');
  expect((error as Error).message).not.toContain('at-1');
});

it('names fetchTokens when a custom fetchTokens answers something unusable', async () => {
  const tokens = new TokenManager({
    fetchTokens: async () => ({ access_token: 'at-1', expires_in: -1 }),
    retry: false,
  });
  const error = await tokens.getAccessToken().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MalformedResponseError);
  expect((error as Error).message).toMatch(/ — fetchTokens$/);
});
