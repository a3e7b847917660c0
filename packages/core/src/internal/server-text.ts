/** The most characters of one server-chosen text an error message quotes; more are cut, with `…`. */
const QUOTED_MAX = 200;

/**
 * `text`, which a server or a callback URL chose (`error`, `error_description`, `iss`), made fit to quote in
 * an error message (decision 1106): every character outside RFC 6749's set for `error` and `error_description`
 * (§4.1.2.1, §5.2: `%x20-21 / %x23-5B / %x5D-7E`, printable ASCII without `"` and `\`) becomes U+FFFD, so no
 * newline fakes a log line, no bidi override reorders the message and no control character reaches a
 * terminal; and at most `QUOTED_MAX` characters are kept. Replaced, never removed: text already redacted
 * cannot join around a removed character into a secret.
 */
export function quotable(text: string): string {
  // `[^ !#-[\]-~]` is `%x20-21 / %x23-5B / %x5D-7E`, negated.
  return text.slice(0, QUOTED_MAX).replace(/[^ !#-[\]-~]/g, '\uFFFD') + (text.length > QUOTED_MAX ? '…' : '');
}
