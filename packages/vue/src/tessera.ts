import type { TokenManager } from '@tessera/core';
import type { App, InjectionKey, ShallowRef } from 'vue';
import { markRaw, shallowRef } from './internal/vue.js';
import type { Session } from './session.js';
import { createSessionStore, loadingSession } from './session-store.js';
import type { SignInLike } from './sign-in-like.js';

/** Options of `createTessera`. */
export interface TesseraOptions {
  /**
   * The app's `TokenManager`. Every manager marks itself raw (as `markRaw` does): Vue never wraps
   * it in a proxy, so it stays usable from `reactive()` state and Pinia stores.
   */
  tokens: TokenManager;
  /**
   * The sign-in flow. With `handleCallback`, the plugin completes a pending callback once, and
   * `status` stays `loading` until it has settled; `createSessionGuard` uses `start`.
   * @default undefined (no sign-in: the guard blocks navigation when there is no session)
   */
  signIn?: SignInLike | undefined;
  /**
   * Called once after a callback signed the user in, with the path sign-in started from, e.g.
   * `(to) => router.replace(to)`.
   * @default undefined (stay on the callback URL, which the sign-in flow already cleaned)
   */
  onReturn?: ((returnTo: string) => void) | undefined;
}

/** The plugin: `app.use(tessera)`. One per app (or per manager); pass it to `createSessionGuard`. */
export interface Tessera {
  readonly tokens: TokenManager;
  /**
   * The immutable session snapshot, replaced on change. Live once the plugin is installed in a
   * browser app (on the server it stays `loading`).
   */
  readonly session: Readonly<ShallowRef<Session>>;
  /**
   * Completes a pending callback and restores the session, once; resolves when `status` is no
   * longer `loading` (never, while the page is navigating away).
   */
  ready(): Promise<void>;
  install(app: App): void;
}

/** @internal The key `useTessera()` injects. */
export const tesseraKey: InjectionKey<Tessera> = Symbol();

/**
 * Creates the plugin. Touches no browser global: on the server (SSR) the session stays `loading`
 * and nothing subscribes; in the browser, installing subscribes once per app and unsubscribes on
 * `app.unmount()` (Vue 3.5+).
 *
 * @example
 * const tessera = createTessera({ tokens, signIn });
 * createApp(App).use(tessera).use(router).mount('#app');
 */
export function createTessera({ tokens, signIn, onReturn }: TesseraOptions): Tessera {
  const store = createSessionStore(tokens, signIn, onReturn);
  // `loading` until installed in a browser app: on the server it must not show what the manager holds.
  const session = shallowRef(loadingSession);
  // The store's methods come along (`ready` typed, the others untyped: `createSessionGuard` uses them).
  return markRaw({
    ...store,
    session,
    install(app: App) {
      app.provide(tesseraKey, this);
      if (typeof window === 'undefined') return;
      // A listener per app: the store keeps a Set, so a shared one would be removed by the first unmount.
      const sync = (): void => {
        session.value = store.getSnapshot();
      };
      // Subscribed apart: `app.onUnmount?.(…)` would not even evaluate its argument on Vue 3.4.
      const stop = store.subscribe(sync);
      sync();
      app.onUnmount?.(stop); // Vue 3.5+; with 3.4 the subscription lives as long as the manager
    },
  });
}
