/**
 * A copy of `error`'s cause chain (five levels at most) with messages and codes only — no request,
 * headers or body survive — each message passed through `clean` (redaction).
 */
export function copyCause(
  error: unknown,
  clean: (text: string) => string = String,
  depth = 0,
): Error | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const inner = copyCause(error.cause, clean, depth + 1);
  const copy = new Error(clean(error.message), inner && { cause: inner });
  copy.name = error.name;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}
