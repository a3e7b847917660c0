import { TokenManager, type TokenManagerOptions } from '@tessera/core';

/** A target's manager that tells its client when it is disposed, so `for()` never returns a disposed one. */
export class TargetTokenManager extends TokenManager {
  readonly #onDispose: () => void;

  constructor(options: TokenManagerOptions, onDispose: () => void) {
    super(options);
    this.#onDispose = onDispose;
  }

  override dispose(): void {
    super.dispose();
    this.#onDispose();
  }
}
