/**
 * Reads and writes a request header on `config.headers`, which is normally axios's `AxiosHeaders`
 * (of whichever axios copy built the config) but may be a plain object an earlier interceptor put
 * there. Never constructs `AxiosHeaders` itself, so a config from another axios copy stays valid.
 */
interface HeaderMethods {
  get(name: string): unknown;
  set(name: string, value: string): unknown;
  delete(name: string): unknown;
  concat(): unknown;
}

type Headers = Partial<HeaderMethods> & Record<string, unknown>;

function isAxiosHeaders(headers: object): headers is HeaderMethods {
  return typeof (headers as Headers).get === 'function' && typeof (headers as Headers).set === 'function';
}

function plainKey(headers: object, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === lower);
}

/** The header's value (case-insensitive), `undefined` when absent. */
export function getHeader(headers: object | undefined, name: string): unknown {
  if (!headers) return undefined;
  if (isAxiosHeaders(headers)) return headers.get(name);
  const key = plainKey(headers, name);
  return key === undefined ? undefined : (headers as Headers)[key];
}

/** Sets the header, replacing any spelling of it. */
export function setHeader(headers: object, name: string, value: string): void {
  if (isAxiosHeaders(headers)) {
    headers.set(name, value);
    return;
  }
  deleteHeader(headers, name);
  (headers as Headers)[name] = value;
}

/** Removes the header in any spelling. */
export function deleteHeader(headers: object, name: string): void {
  if (isAxiosHeaders(headers)) {
    headers.delete(name);
    return;
  }
  const key = plainKey(headers, name);
  if (key !== undefined) delete (headers as Headers)[key];
}

/** An independent copy, of the same kind (`AxiosHeaders` of the same axios copy, or a plain object). */
export function copyHeaders<T extends object | undefined>(headers: T): T {
  if (!headers) return {} as T;
  const target = headers as Headers;
  return (typeof target.concat === 'function' ? target.concat() : { ...target }) as T;
}
