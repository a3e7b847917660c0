/** `value` form-urlencoded (application/x-www-form-urlencoded: space → `+`). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The ways `secret` can appear in text a server echoes: raw, percent-encoded (`%20` and `+` for
 * spaces, `%2B` for `+`, any hex case; `encodeURIComponent`'s set, the form set, or RFC 3986's with `*`
 * escaped), form-encoded, JSON-escaped (also with `\/`, and ASCII-only as in `\u00e4`) and Base64
 * (padded, unpadded and base64url).
 */
function encodings(secret: string): string[] {
  // A lone surrogate went as U+FFFD, as form encoding sends it (`encodeURIComponent` throws on it).
  const sent = secret.replace(/\p{Cs}/gu, '\uFFFD');
  const percent = encodeURIComponent(sent);
  const form = formEncode(secret);
  // RFC 3986's strict set, as Python, Go and PHP write it: `*` escaped too, `~` either way, `+` or `%20`.
  const strict = form.replaceAll('*', '%2A');
  const tilde = strict.replaceAll('%7E', '~');
  const plain = [
    secret,
    sent,
    percent,
    form,
    form.replaceAll('+', '%20'),
    percent.replaceAll('%20', '+'),
    strict,
    tilde,
    tilde.replaceAll('+', '%20'),
  ];
  const json = plain.flatMap((text) => {
    const escaped = JSON.stringify(text).slice(1, -1);
    const ascii = escaped.replace(
      /[^\0-\x7f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return [escaped, ascii].flatMap((json) => [json, json.replaceAll('/', '\\/')]);
  });
  return [...plain, ...json, ...base64Forms(secret)];
}

/** Base64 forms of `text`'s UTF-8 bytes: standard padded, unpadded, base64url. */
function base64Forms(text: string): string[] {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  const padded = btoa(binary);
  const unpadded = padded.replace(/=+$/, '');
  return [padded, unpadded, unpadded.replaceAll('+', '-').replaceAll('/', '_')];
}

/**
 * The values of `url`'s query redacted as secrets (decision 0407): those of 8 characters or more, as a
 * key is; a shorter one (`v=1`, `format=json`) would blank out ordinary words of every message.
 */
export const queryKeys = (url: URL): string[] => [...url.searchParams.values()].filter((v) => v.length > 7);

/** `text` with every occurrence of a secret, in any encoding, replaced by `[redacted]`. */
export type Redact = (text: string) => string;

/**
 * The redaction of one request's secrets, for anything its server answers. Built once per request:
 * every encoding of every secret, plus the `client_secret_basic` credentials (Base64 of
 * `client_id:client_secret`, raw and form-encoded). A secret of 1–3 characters is redacted only
 * where it stands alone (`pw` in `password=pw`, not in `pwd`).
 */
export function redactor(
  secrets: ReadonlyArray<string | undefined>,
  basic?: { clientId: string; clientSecret: string } | undefined,
): Redact {
  const variants = new Set<string>();
  const short = new Set<string>();
  for (const secret of secrets) {
    // A secret under 4 characters is redacted only where it stands alone, not next to a letter or
    // digit: everywhere, it would blank out parts of ordinary words.
    if (secret) for (const variant of encodings(secret)) (secret.length < 4 ? short : variants).add(variant);
  }
  if (basic) {
    const pairs = [
      `${basic.clientId}:${basic.clientSecret}`,
      `${formEncode(basic.clientId)}:${formEncode(basic.clientSecret)}`,
    ];
    for (const pair of pairs) for (const variant of base64Forms(pair)) variants.add(variant);
  }
  const long = [...variants].sort(longestFirst).map(lowerAscii);
  // A short secret: the characters before and after it are only looked at (lookbehind, in every
  // browser since Safari 16.4 and in Node 20). Long ones are found without a RegExp: one over all
  // their encodings refuses to compile from a secret of a few kB on (V8: "Regular expression too
  // large"), and its `SyntaxError` quotes the whole pattern — every encoding of the secret (decision 0027).
  // One pattern for the short ones, longest first so a secret inside a longer encoding does not leave
  // the rest behind. Case-insensitive: it can only redact more, never less.
  const escaped = [...short]
    .sort(longestFirst)
    .map((variant) => variant.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const found =
    escaped.length > 0
      ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'giu')
      : undefined;
  const redact = (text: string): string => {
    // Every occurrence of each long variant (lower-cased, longest first), ignoring ASCII case so `%2f`
    // matches `%2F`: it can only redact more. The lower-cased text split at the variant gives the lengths of
    // the pieces of `text` kept: one pass per variant, linear, not once more per occurrence (a 1 MiB answer
    // echoing a secret 60,000 times took minutes, decision 0027). A `[redacted]` put in is not searched by
    // that variant again: a secret such as `redacted` is not found in it. The text is lower-cased once per
    // call: `[redacted]` is lower case, so the lower-cased pieces joined by it are the next variant's text.
    let lower = lowerAscii(text);
    for (const variant of long) {
      let at = 0;
      const parts = lower.split(variant);
      text = parts
        .map((part) => {
          const kept = text.slice(at, at + part.length);
          at += part.length + variant.length;
          return kept;
        })
        .join('[redacted]');
      lower = parts.join('[redacted]');
    }
    return found ? text.replace(found, '[redacted]') : text;
  };
  // A secret split across a line break (an answer wrapped at 76 columns, as MIME Base64 is) is found with the
  // line breaks taken out, after what is found with them: the text is then given without its line breaks
  // (RFC 6749 allows none in `error_description`). Otherwise it is given as it came.
  return (text) => {
    const once = redact(text);
    const joined = once.replace(/[\r\n]/g, '');
    const twice = joined === once ? once : redact(joined);
    return twice === joined ? once : twice;
  };
}

const longestFirst = (a: string, b: string): number => b.length - a.length;

/** `text` with ASCII letters lower-cased: the same length, so positions carry over. */
function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
