/**
 * oidc-provider warnings that do not apply to this demo. They are hidden, and the timeline says why:
 * - oidc-provider 9 supports Node.js 22 and later; it warns on Node 20, where everything this demo uses works.
 * - its in-memory adapter is "development-only"; this demo issues stateless JWT access tokens and keeps nothing.
 */
const HIDDEN_WARNINGS = [
  'oidc-provider WARNING: Unsupported runtime',
  'oidc-provider WARNING: a quick start development-only in-memory adapter',
];

type OidcProviderModule = typeof import('oidc-provider');

let loading: Promise<OidcProviderModule> | undefined;

/** Imports oidc-provider once, without the runtime warning it prints at import time on Node 20. */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= withoutOidcProviderWarnings(() => import('oidc-provider'));
  return loading;
}

/** Whether oidc-provider considers this Node.js too old (it wants an LTS release from 22 "Jod" on). */
export function isOidcProviderRuntimeUnsupported(): boolean {
  const lts = process.release.lts;
  return typeof lts !== 'string' || lts < 'Jod';
}

/** Runs `task` with the warnings above filtered out of `console.warn`; every other message passes. */
export async function withoutOidcProviderWarnings<T>(task: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const [first] = args;
    if (typeof first === 'string' && HIDDEN_WARNINGS.some((prefix) => first.includes(prefix))) return;
    warn(...args);
  };
  try {
    return await task();
  } finally {
    console.warn = warn;
  }
}
