import type { HeadersLike } from '@tessera/core';

export type { HeadersLike };

/** The value of header `name` (case-insensitive), multiple values joined with `, `; `undefined` when absent. */
export function readHeader(headers: HeadersLike | undefined | null, name: string): string | undefined {
  if (!headers) return undefined;
  let value: unknown;
  if (typeof headers.get === 'function') {
    value = (headers as { get(name: string): unknown }).get(name);
  } else {
    const wanted = name.toLowerCase();
    for (const [key, entry] of Object.entries(headers)) {
      if (key.toLowerCase() === wanted) value = entry;
    }
  }
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' || typeof value === 'number' ? `${value}` : undefined;
}
