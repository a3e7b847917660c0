import { MissingPeerDependencyError } from './errors/missing-peer-dependency-error.js';

type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

/**
 * Loads the optional peer dependency `jose` on first use, so clients that never use
 * `private_key_jwt` neither need nor load it. A failed load is not cached: installing `jose` and
 * retrying works without a restart.
 *
 * @throws {MissingPeerDependencyError} `jose` is not installed.
 */
export function loadJose(): Promise<Jose> {
  loading ??= import('jose').catch((error: unknown) => {
    loading = undefined;
    throw new MissingPeerDependencyError('jose', 'private_key_jwt client authentication', error);
  });
  return loading;
}
