import { type FetchLike, readJsonBody, redactor } from '@tessera/core';

/**
 * `fetch` for a token request whose body carries a client assertion, a body good for one send (its
 * `jti`): each call marks it one-time with `resendBody`, so a decorator that sends again (DPoP's nonce
 * and clock retries) sends a new assertion from `sign` instead (decision 1210). A resent assertion is
 * not among the secrets core redacts from the answer, so it is cut from the answer to the resend here,
 * in every encoding, by core's `redactor` (the one rule).
 *
 * @param fetch the transport, e.g. `dpop.fetch`. @default globalThis.fetch, read at each call
 * @param sign signs a new client assertion
 */
export function oneTimeBody(fetch: FetchLike | undefined, sign: () => Promise<string>): FetchLike {
  return async (url, init) => {
    let resent: string | undefined;
    const resendBody = async () => {
      const form = new URLSearchParams(init.body);
      resent = await sign();
      form.set('client_assertion', resent);
      return form.toString();
    };
    const response = await (fetch ?? globalThis.fetch)(url, { ...init, resendBody });
    if (resent === undefined) return response;
    const { origin, pathname } = new URL(url);
    const json = await readJsonBody(response, `POST ${origin}${pathname}`);
    const text = json === undefined ? '' : redactor([resent])(JSON.stringify(json));
    return { status: response.status, headers: response.headers, body: null, text: async () => text };
  };
}
