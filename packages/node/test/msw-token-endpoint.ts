// An msw token endpoint for unit tests: records every token request and answers with numbered tokens.
import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import type { SetupServer } from 'msw/node';
import { expect } from 'vitest';

export const TOKEN_URL = 'https://auth.example.test/oauth/token';
export const ISSUER = 'https://auth.example.test';
export const SECRET = 'sup3r-s3cret value/é:+';

/** One token request as the server saw it. */
export interface SeenRequest {
  form: URLSearchParams;
  authorization: string | null;
}

/** Answers one token request; `n` counts requests from 1. */
export type Responder = (request: SeenRequest, n: number) => Response | Promise<Response>;

/** Default answer: `at-<n>` valid for an hour, echoing the scope. */
export const issueToken: Responder = (request, n) =>
  HttpResponse.json({
    access_token: `at-${n}`,
    token_type: 'Bearer',
    expires_in: 3600,
    ...(request.form.has('scope') ? { scope: request.form.get('scope') } : {}),
  });

/** Registers a token endpoint at `url` and returns the list of requests it receives. */
export function tokenEndpoint(
  server: Pick<SetupServer, 'use'>,
  respond: Responder = issueToken,
  url = TOKEN_URL,
) {
  const seen: SeenRequest[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      const entry = {
        form: new URLSearchParams(await request.text()),
        authorization: request.headers.get('authorization'),
      };
      seen.push(entry);
      return respond(entry, seen.length);
    }),
  );
  return seen;
}

/** The key of a request's target as the server saw it: scope|audience|resource. */
export function targetOf(request: SeenRequest): string {
  const { form } = request;
  return `${form.get('scope') ?? ''}|${form.getAll('audience').join(',')}|${form.getAll('resource').join(',')}`;
}

/** Asserts that no rendering of `error` (message, toString, JSON, inspect, stack) contains a secret. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  expect(error).toBeInstanceOf(Error);
  const renderings = [
    (error as Error).message,
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
    (error as Error).stack ?? '',
  ];
  for (const text of renderings) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

export { deferred } from '../../e2e-support/test-support/deferred.js';
