/**
 * `init` in a form that can be copied and read more than once, sending what fetch would. An init that
 * is not a plain object (`Object.create(base)`, a class with getters), whose members fetch reads
 * through its prototype (WebIDL dictionaries are read with [[Get]]) but a copy (`{ ...init }`) drops,
 * becomes a plain object of them (its enumerable properties, own and inherited, and the members fetch
 * knows). A one-shot iterator of pairs as `headers` (`map.entries()`, a generator), which fetch reads
 * once, becomes an array of its pairs in a copy of `init`. Any other `init` is returned as it is. For a
 * wrapper that copies the caller's init or reads its headers more than once (`hasHeader`, then each
 * send, replay or retry).
 *
 * @example
 * rereadable({ headers: new Map([['Accept', 'text/plain']]).entries() }); // { headers: [['Accept', 'text/plain']] }
 * rereadable(Object.create({ method: 'POST' })); // { method: 'POST' }
 */
export function rereadable<T extends { headers?: unknown } | null | undefined>(init: T): T {
  let plain = init as Record<string, unknown> | null | undefined;
  // Not an object (`'x'`): returned as it is, for fetch's own TypeError.
  if (typeof plain === 'object' && plain && Object.getPrototypeOf(plain) !== Object.prototype) {
    plain = {};
    for (const key in init) plain[key] = (init as Record<string, unknown>)[key];
    // The members fetch reads of an init (WebIDL `RequestInit`, undici's `dispatcher`) and the wrappers'
    // own (`skipAuth` of `withTokens`, `resendBody` of `dpop.fetch`). Split here, not at the top level:
    // a call there would stay in every bundle of core, used or not.
    for (const key of 'body cache credentials dispatcher duplex headers integrity keepalive method mode priority redirect referrer referrerPolicy resendBody signal skipAuth window'.split(
      ' ',
    )) {
      if (!(key in plain) && key in (init as object)) plain[key] = (init as Record<string, unknown>)[key];
    }
  }
  const headers = plain?.headers as Partial<Iterator<unknown>> | undefined;
  return (
    typeof headers?.next === 'function' ? { ...plain, headers: [...(headers as Iterable<unknown>)] } : plain
  ) as T;
}
