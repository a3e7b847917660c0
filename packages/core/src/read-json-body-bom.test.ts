import { describe, expect, it } from 'vitest';
import type { FetchLike } from './fetch-like.js';
import { requestToken } from './token-endpoint.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const BODY = '\uFEFF{"access_token":"at-bom","token_type":"Bearer"}';

describe('a JSON body opening with a byte order mark (U+FEFF)', () => {
  it('is read through a real Response (its body stream)', async () => {
    const fetch: FetchLike = async () => new Response(BODY);
    expect((await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch })).access_token).toBe('at-bom');
  });

  it('is read the same from a fetch whose response has only text()', async () => {
    const fetch: FetchLike = async () => ({ status: 200, headers: new Headers(), text: async () => BODY });
    expect((await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch })).access_token).toBe('at-bom');
  });

  it('is one mark only: a second is not JSON on either path', async () => {
    const twice = `\uFEFF${BODY}`;
    const streamed: FetchLike = async () => new Response(twice);
    const text: FetchLike = async () => ({ status: 200, headers: new Headers(), text: async () => twice });
    for (const fetch of [streamed, text]) {
      await expect(requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch })).rejects.toMatchObject({
        name: 'MalformedResponseError',
        reason: 'not_json',
      });
    }
  });
});
