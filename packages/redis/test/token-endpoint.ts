// A client-credentials token endpoint on 127.0.0.1 for the integration suites and the bench: counts
// requests (and which replica sent each), issues `tok-1`, `tok-2`… valid for `expiresIn` seconds, and
// can hold the next request open to simulate a replica dying mid-fetch.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequestRecord {
  /** The `replica` form parameter the caller sent. */
  replica: string;
  /** When the request arrived, epoch ms. */
  at: number;
  /** The form parameters (the last value of each). */
  params: Record<string, string>;
  /** The access token this request was answered with, once answered. */
  token?: string;
}

export interface TokenEndpoint {
  readonly tokenUrl: string;
  /** Requests received since the last `reset()`. */
  readonly requests: TokenRequestRecord[];
  /** Tokens issued so far (never reset). */
  issued(): number;
  reset(): void;
  /** Answers with a `refresh_token` too (against RFC 6749 §4.4.3) until `reset()`. */
  issueRefreshTokens(): void;
  /** Holds the next request open until `answerHeld()`; resolves when it arrives. */
  holdNext(): Promise<TokenRequestRecord>;
  /** Answers the held requests whose callers are still connected. */
  answerHeld(): void;
  close(): Promise<void>;
}

export async function startTokenEndpoint(expiresIn = 60): Promise<TokenEndpoint> {
  const requests: TokenRequestRecord[] = [];
  let issued = 0;
  let withRefreshToken = false;
  let hold: ((record: TokenRequestRecord) => void) | undefined;
  const held: Array<{ response: ServerResponse; record: TokenRequestRecord }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const record: TokenRequestRecord = {
        replica: form.get('replica') ?? '',
        at: Date.now(),
        params: Object.fromEntries(form),
      };
      requests.push(record);
      if (hold) {
        const arrived = hold;
        hold = undefined;
        held.push({ response, record });
        arrived(record);
        return;
      }
      answer(response, record);
    });
  });
  const answer = (response: ServerResponse, record: TokenRequestRecord): void => {
    issued += 1;
    record.token = `tok-${issued}`;
    response.setHeader('Content-Type', 'application/json');
    const refresh = withRefreshToken ? { refresh_token: `rt-${issued}` } : {};
    response.end(
      JSON.stringify({ access_token: record.token, token_type: 'Bearer', expires_in: expiresIn, ...refresh }),
    );
  };
  // Twenty replica processes send bursts after idle phases: the server never closes an idle connection
  // itself, so a loaded machine cannot make a replica write to one being closed (ECONNRESET; decision 0024).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tokenUrl: `http://127.0.0.1:${port}/token`,
    requests,
    issued: () => issued,
    reset: () => {
      requests.length = 0;
      withRefreshToken = false;
    },
    issueRefreshTokens: () => {
      withRefreshToken = true;
    },
    holdNext: () =>
      new Promise((resolve) => {
        hold = resolve;
      }),
    answerHeld: () => {
      for (const { response, record } of held.splice(0)) if (!response.destroyed) answer(response, record);
    },
    close: async () => {
      for (const { response } of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
