// What @tessera/fetch and @tessera/axios do with a SenderConstraint, written out for the tests:
// token read and proof built in one step, `DPoP <token>`, learn from every response, one replay
// without refresh on a nonce challenge, one refresh-and-replay on another 401.
import type { TokenManager } from '@tessera/core';
import type { SenderConstraint } from '../src/index.js';

export interface Sent {
  response: Response;
  /** HTTP requests this call sent. */
  sends: number;
}

export async function sendWithDPoP(
  tokens: TokenManager,
  constraint: SenderConstraint,
  url: string,
  method = 'GET',
): Promise<Sent> {
  let sends = 0;
  let nonceReplayed = false;
  let refreshed = false;
  for (;;) {
    const accessToken = await tokens.getAccessToken();
    const proof = await constraint.headersFor({ method, url, accessToken });
    sends += 1;
    const response = await fetch(url, {
      method,
      headers: { authorization: `${constraint.scheme} ${accessToken}`, ...proof },
    });
    const seen = { url, status: response.status, headers: response.headers };
    constraint.learn(seen);
    if (!nonceReplayed && constraint.isNonceChallenge(seen, proof)) {
      nonceReplayed = true;
      await response.body?.cancel();
      continue;
    }
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      tokens.invalidate(accessToken);
      await response.body?.cancel();
      continue;
    }
    return { response, sends };
  }
}
