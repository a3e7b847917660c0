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

function isAxiosHeaders(headers: Headers): headers is Headers & HeaderMethods {
  return typeof headers.get === 'function' && typeof headers.set === 'function';
}

function plainKey(headers: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === lower);
}

/** The header's value (case-insensitive), `undefined` when absent. */
export function getHeader(headers: object | undefined, name: string): unknown {
  if (!headers) return undefined;
  const target = headers as Headers;
  if (isAxiosHeaders(target)) return target.get(name);
  const key = plainKey(target, name);
  return key === undefined ? undefined : target[key];
}

/** Sets the header, replacing any spelling of it. */
export function setHeader(headers: object, name: string, value: string): void {
  const target = headers as Headers;
  if (isAxiosHeaders(target)) {
    target.set(name, value);
    return;
  }
  deleteHeader(target, name);
  target[name] = value;
}

/** Removes the header in any spelling. */
export function deleteHeader(headers: object, name: string): void {
  const target = headers as Headers;
  if (isAxiosHeaders(target)) {
    target.delete(name);
    return;
  }
  const key = plainKey(target, name);
  if (key !== undefined) delete target[key];
}

/** An independent copy, of the same kind (`AxiosHeaders` of the same axios copy, or a plain object). */
export function copyHeaders<T extends object | undefined>(headers: T): T {
  if (!headers) return {} as T;
  const target = headers as Headers;
  return (typeof target.concat === 'function' ? target.concat() : { ...target }) as T;
}
