import { TesseraError } from '@tessera/core';

/**
 * An optional peer dependency a feature needs is not installed: `jose` for `private_key_jwt`.
 * Install it (`npm install jose`). Not retried.
 */
export class MissingPeerDependencyError extends TesseraError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, cause?: unknown) {
    super(
      'MISSING_PEER_DEPENDENCY',
      `${feature} needs the package "${packageName}", which could not be loaded: run \`npm install ${packageName}\``,
      { cause },
    );
    this.name = 'MissingPeerDependencyError';
    this.packageName = packageName;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), packageName: this.packageName };
  }
}
