import { readFileSync } from 'node:fs';
import { clientCredentialsGrant, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, expect, it } from 'vitest';
import { createAuthServer, failUnhandledRequest } from './index.js';

// The first code block of README.md, statement for statement (the last test checks it).
const auth = createAuthServer();
const server = setupServer(...auth.handlers);
server.listen({ onUnhandledRequest: failUnhandledRequest });
afterAll(() => server.close());

it('sends 1 token request for 10 concurrent calls (README example)', async () => {
  const tokens = new TokenManager({
    fetchTokens: clientCredentialsGrant({
      tokenUrl: auth.tokenUrl,
      clientId: 'service',
      clientSecret: 'service-secret',
    }),
  });
  await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
  expect(auth.tokenRequestCount).toBe(1); // 10 concurrent calls → 1 token request
});

it("is README.md's first example, which closes the server it starts", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  // Formatting aside: no whitespace, comments or trailing commas.
  const plain = (code: string): string =>
    code
      .replace(/\/\/.*$/gm, '')
      .replace(/\s+/g, '')
      .replace(/,([)\]}])/g, '$1');
  const here = plain(readFileSync(new URL(import.meta.url), 'utf8'));
  const statements = block.split('\n').filter((line) => line.trim() && !line.startsWith('import '));
  expect(statements.length).toBeGreaterThan(5);
  for (const statement of statements) expect(here).toContain(plain(statement));
  expect(block).toContain('afterAll(() => server.close());');
});
