/** `typeof Symbol.dispose` where the types in use declare it (lib `esnext.disposable`, `@types/node`), else `never`. */
type DisposeKey = SymbolConstructor extends { readonly dispose: infer Key extends symbol } ? Key : never;

/**
 * `{ [Symbol.dispose](): void }` where the consumer's types know `Symbol.dispose`, `{}` where they do not.
 * Published types name `Symbol.dispose` only through this, so they compile under `lib: ["ES2022"]`
 * and `lib: ["ES2022", "DOM"]` without `esnext.disposable` (docs/decisions/0020).
 */
export type DisposableWhereKnown = { [Key in DisposeKey]: () => void };

/**
 * Makes `target` work with `using` where the runtime has `Symbol.dispose` (Node since 18.18 and
 * 20.4; browsers only lately): `[Symbol.dispose]` calls `target.dispose()`. Called from a
 * constructor, not installed on a prototype at module load (that statement would keep the class in
 * every bundle importing anything from the module); its type comes from `DisposableWhereKnown` (decision 0020).
 */
export function disposeWhereKnown(target: { dispose(): void }): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (typeof dispose === 'symbol') {
    Object.defineProperty(target, dispose, { value: () => target.dispose(), configurable: true });
  }
}
