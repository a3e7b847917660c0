import { callErrorCode } from './fire-parallel-calls.js';

/** What the sign-in screen says when `session.signIn` fails, e.g. `Wrong username or password (invalid_grant).` */
export function signInError(error: unknown): string {
  const code = callErrorCode(error);
  return code === 'invalid_grant'
    ? 'Wrong username or password (invalid_grant).'
    : `Sign-in failed (${code}).`;
}
