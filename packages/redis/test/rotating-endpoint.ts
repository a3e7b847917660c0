// A token endpoint with rotating refresh tokens as a `fetchTokens`: each refresh token works once;
// a spent one is refused with `invalid_grant` (and recorded). Without a refresh token it issues a
// new set, as a sign-in would.
import { type FetchTokens, OAuthError } from '@tessera/core';

/** `expiresIn(n)`: the `expires_in` of the n-th set issued (1-based), or `undefined` for none. */
export function rotatingEndpoint(expiresIn: (issued: number) => number | undefined) {
  let issued = 0;
  const unused = new Set<string>();
  const spent: string[] = [];
  const fetchTokens: FetchTokens = async ({ refreshToken }) => {
    if (refreshToken !== undefined) {
      if (!unused.delete(refreshToken)) {
        spent.push(refreshToken);
        throw new OAuthError({ error: 'invalid_grant', status: 400 }, 'POST https://auth.example.com/token');
      }
    }
    issued += 1;
    unused.add(`rt-${issued}`);
    const life = expiresIn(issued);
    return {
      access_token: `at-${issued}`,
      refresh_token: `rt-${issued}`,
      ...(life === undefined ? {} : { expires_in: life }),
    };
  };
  /** The spent refresh tokens that were sent again. */
  return { fetchTokens, spent };
}
