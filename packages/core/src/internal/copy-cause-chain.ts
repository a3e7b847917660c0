/**
 * A copy of `error` and its cause chain (at most 5 deep) keeping only names, messages (passed
 * through `clean`) and string `code`s: never a request, its headers or its body.
 */
export function copyCauseChain(
  error: unknown,
  clean: (message: string) => string = (message) => message,
  depth = 0,
): Error | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const inner = copyCauseChain(error.cause, clean, depth + 1);
  const copy = new Error(clean(error.message), inner ? { cause: inner } : undefined);
  copy.name = error.name;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') (copy as { code?: string }).code = code;
  return copy;
}

/**
 * `error` as it is (its class, for a caller's `instanceof`), or, when `redact` changes a message of its
 * chain (it quotes a secret), a copy of the chain (`copyCauseChain`) with those messages redacted.
 */
export function redactedError(error: unknown, redact: (message: string) => string): unknown {
  let quoted = false;
  const copy = copyCauseChain(error, (message) => {
    const text = redact(message);
    quoted ||= text !== message;
    return text;
  });
  return quoted ? copy : error;
}
