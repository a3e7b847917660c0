/**
 * Releases the body of a response nobody will read, without waiting for it: a web stream is
 * cancelled (never awaited: a tee branch's cancel, under a logging fetch or msw, may never settle,
 * decision 0901), a Node stream (node-fetch's body, which has no `cancel`) is destroyed. A body
 * that has neither is left alone. Never throws, never leaves a rejection unhandled.
 */
export function releaseBody(response: { readonly body?: unknown }): void {
  const body = response.body as { cancel?(): Promise<void>; destroy?(): void } | null | undefined;
  // (`.then(undefined, …)` is `.catch(…)`, and compresses smaller: the size-limit rows.)
  if (body?.cancel) body.cancel().then(undefined, () => undefined);
  else body?.destroy?.();
}
