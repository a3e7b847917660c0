import type { HeadersLike } from '@tessera/core';

export type { HeadersLike };

/** The value of header `name` (given in lower case; any case in `headers`), multiple values joined with `, `; `undefined` when absent. */
export function readHeader(headers: HeadersLike | undefined | null, name: string): string | undefined {
  if (!headers) return undefined;
  let value: unknown;
  if (typeof headers.get === 'function') {
    value = (headers as { get(name: string): unknown }).get(name);
  } else {
    for (const [key, entry] of Object.entries(headers)) {
      if (key.toLowerCase() === name) value = entry;
    }
  }
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' || typeof value === 'number' ? `${value}` : undefined;
}
