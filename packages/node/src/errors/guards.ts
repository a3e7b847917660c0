import type { DiscoveryError } from '@tessera/core';

/**
 * Whether `value` is a `DiscoveryError`. Works across duplicate copies of the package (compares
 * `name` and `code`, not only `instanceof`).
 */
export function isDiscoveryError(value: unknown): value is DiscoveryError {
  return (
    value instanceof Error &&
    value.name === 'DiscoveryError' &&
    (value as { code?: unknown }).code === 'DISCOVERY_FAILED'
  );
}
