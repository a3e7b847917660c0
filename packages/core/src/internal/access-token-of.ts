import { MalformedResponseError } from '../errors/malformed-response-error.js';
import { isRecord } from './is-record.js';

/**
 * The access token of a token response (`key` `access_token`) or a `TokenSet` (`accessToken`): the
 * one check of `requestToken` and `toTokenSet`.
 *
 * @throws {MalformedResponseError} `not_an_object` when `input` is not a JSON object,
 *   `missing_access_token` when it has no non-empty string there.
 */
export function accessTokenOf(input: unknown, where: string, status?: number, key = 'access_token'): string {
  if (!isRecord(input)) {
    throw new MalformedResponseError('not_an_object', 'expected a JSON object', where, status);
  }
  const token = input[key];
  if (typeof token !== 'string' || token === '') {
    throw new MalformedResponseError(
      'missing_access_token',
      'no access_token in the response',
      where,
      status,
    );
  }
  return token;
}
