/** `typeof Symbol.dispose` where the types in use declare it (lib `esnext.disposable`, `@types/node`), else `never`. */
type DisposeKey = SymbolConstructor extends { readonly dispose: infer Key extends symbol } ? Key : never;

/**
 * `{ [Symbol.dispose](): void }` where the consumer's types know `Symbol.dispose`, `{}` where they do not.
 * Published types name `Symbol.dispose` only through this, so they compile under `lib: ["ES2022"]`
 * and `lib: ["ES2022", "DOM"]` without `esnext.disposable` (docs/decisions/0020).
 */
export type DisposableWhereKnown = { [Key in DisposeKey]: () => void };
