/**
 * Refuses a `clientId`, an `audience`, a `keyId` or an `assertionAudience` with whitespace around it (pasted from a config file or an
 * environment variable). Servers compare both as strings, so it would be answered `invalid_client` or
 * an unknown audience at every request; trimming it would send a value that was not configured
 * (decision 0406).
 *
 * @throws {TypeError} quoting the value.
 */
export function assertNoSurroundingWhitespace(value: string, name: string): void {
  if (value !== value.trim()) {
    throw new TypeError(
      `clientCredentials: ${name} ${JSON.stringify(value)} must not begin or end with whitespace`,
    );
  }
}
