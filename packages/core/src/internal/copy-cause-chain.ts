/**
 * A copy of `error` and its cause chain (at most 5 deep) keeping only names, messages and string
 * `code`s (both passed through `clean`): never a request, its headers or its body.
 */
export function copyCauseChain(
  error: unknown,
  clean: (message: string, of?: Error) => string = (message) => message,
  depth = 0,
): Error | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined;
  const inner = copyCauseChain(error.cause, clean, depth + 1);
  const copy = new Error(clean(error.message, error), inner ? { cause: inner } : undefined);
  copy.name = error.name;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') (copy as { code?: string }).code = clean(code);
  return copy;
}

/**
 * `error` as it is (its class, for a caller's `instanceof`), or, when `redact` changes a message of its
 * chain or a string in an own enumerable property of one (it quotes a secret), a copy of the chain
 * (`copyCauseChain`) with those messages redacted and those properties left out. A thrown value that is
 * not an `Error` (a string, a plain object) is never passed on as it is: only its text is, as an `Error`'s
 * message (the string, or the object's string `message`; decision 0027). Nor is a chain with a cause the
 * copy leaves out (not an `Error`, or past 5 deep): the copy is given then.
 */
export function redactedError(error: unknown, redact: (message: string) => string): unknown {
  if (!(error instanceof Error)) {
    const { message } = Object(error) as { message?: unknown };
    error = new Error(typeof error === 'string' ? error : typeof message === 'string' ? message : '');
  }
  // Whether a string, or one in plain objects and arrays 3 deep, quotes a secret (past that, or 100 values,
  // assumed so). Another value (a number, a class's instance) is not looked into.
  let budget = 100;
  const quotes = (value: unknown, depth = 0): boolean =>
    --budget < 0 ||
    (typeof value === 'string'
      ? redact(value) !== value
      : (Array.isArray(value) || Object.getPrototypeOf(value ?? 0) === Object.prototype) &&
        (depth > 2 || Object.values(value as object).some((field) => quotes(field, depth + 1))));
  let at: unknown = error;
  for (let depth = 0; depth < 5 && at instanceof Error; depth++) at = at.cause;
  // What the copy leaves out (a cause that is not an `Error`: a string, an object; one past 5 deep) may quote a secret.
  let quoted = at != null;
  const copy = copyCauseChain(error, (message, of) => {
    const text = redact(message);
    // So may an error's own enumerable properties (an ioredis `command`, a storage's `value`), which it leaves out.
    // A getter that throws counts as quoting: the copy never reads it again.
    try {
      quoted ||= text !== message || quotes({ ...of });
    } catch {
      quoted = true;
    }
    return text;
  });
  return quoted ? copy : error;
}
