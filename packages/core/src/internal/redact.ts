/**
 * Replaces every occurrence of the given secrets in `text` with `[redacted]`. Used on anything a
 * server echoes back (e.g. `error_description`) before it goes into an error message.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result;
}
