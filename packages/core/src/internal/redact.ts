/** Shorter values are not redacted: they would match ordinary words. */
const MIN_LENGTH = 4;

/** `value` form-urlencoded (application/x-www-form-urlencoded: space → `+`). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Standard Base64 of `text`'s UTF-8 bytes. */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The ways `secret` can appear in text a server echoes: raw, percent-encoded (`%20` and `+` for
 * spaces, `%2B` for `+`, any hex case), form-encoded, JSON-escaped (also with `\/`) and Base64
 * (padded, unpadded and base64url).
 */
function encodings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = formEncode(secret);
  const plain = [secret, percent, form, form.replaceAll('+', '%20'), percent.replaceAll('%20', '+')];
  const json = plain.flatMap((text) => {
    const escaped = JSON.stringify(text).slice(1, -1);
    return [escaped, escaped.replaceAll('/', '\\/')];
  });
  return [...plain, ...json];
}

/** Base64 forms of `text`: padded, unpadded, base64url. */
function base64Forms(text: string): string[] {
  const padded = base64(text);
  const unpadded = padded.replace(/=+$/, '');
  return [padded, unpadded, unpadded.replaceAll('+', '-').replaceAll('/', '_')];
}

/**
 * The secrets of one request, to redact from anything its server answers. Built once per request:
 * every encoding of every secret, plus the `client_secret_basic` credentials (Base64 of
 * `client_id:client_secret`, raw and form-encoded).
 */
export class Redactor {
  readonly #pattern: RegExp | undefined;

  constructor(
    secrets: ReadonlyArray<string | undefined>,
    basic?: { clientId: string; clientSecret: string } | undefined,
  ) {
    const variants = new Set<string>();
    for (const secret of secrets) {
      if (secret && secret.length >= MIN_LENGTH)
        for (const variant of encodings(secret)) variants.add(variant);
    }
    if (basic) {
      const pairs = [
        `${basic.clientId}:${basic.clientSecret}`,
        `${formEncode(basic.clientId)}:${formEncode(basic.clientSecret)}`,
      ];
      for (const pair of pairs) for (const variant of base64Forms(pair)) variants.add(variant);
    }
    // Longest first, so a secret inside a longer encoding does not leave the rest behind.
    const sorted = [...variants].filter((variant) => variant.length >= MIN_LENGTH);
    sorted.sort((a, b) => b.length - a.length);
    // Case-insensitive, so `%2f` matches `%2F`: it can only redact more, never less.
    const pattern = sorted.map((variant) => variant.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
    this.#pattern = sorted.length === 0 ? undefined : new RegExp(pattern, 'gi');
  }

  /** `text` with every occurrence of a secret, in any encoding, replaced by `[redacted]`. */
  redact(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, '[redacted]') : text;
  }
}
