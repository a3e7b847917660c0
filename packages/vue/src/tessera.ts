import {
  createSessionStore,
  loadingSession,
  type Session,
  type SignInLike,
  type TokenManager,
} from '@tessera/core';
import type { App, InjectionKey, ShallowRef } from 'vue';
import { readonly, shallowRef } from './internal/vue.js';

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
   * Called once after a callback signed the user in (once per callback: when two plugins share one
   * `signIn`, the first with an `onReturn` to complete it calls its own), with the path sign-in started from, e.g.
   * `(to) => router.replace(to)`.
   * If it throws or rejects, the session stays signed in and the error is reported as an uncaught
   * error (`reportError`; `console.error` where there is none), never as a rejection of `ready()`.
   * Not called when the callback completes after every app using the plugin unmounted.
   * @default undefined (stay on the callback URL, which the sign-in flow already cleaned)
   */
  onReturn?: ((returnTo: string) => void) | undefined;
}

/** The plugin: `app.use(tessera)`. One per app (or per manager); pass it to `createSessionGuard`. */
export interface Tessera {
  readonly tokens: TokenManager;
  /**
   * The immutable session snapshot, replaced on change. Live once an app that installed the plugin
   * is mounted in the browser: `loading` before (the HTML a server rendered hydrates without a
   * mismatch) and on the server. Read-only at runtime too: a write is ignored (with Vue's
   * development warning), as with any `readonly()` ref; the plugin object is frozen, so the property
   * itself cannot be replaced either.
   */
  readonly session: Readonly<ShallowRef<Session>>;
  /**
   * Completes a pending callback and restores the session, once; resolves when `status` is no
   * longer `loading` (not while the page is navigating away: once Back brings it out of the bfcache).
   */
  ready(): Promise<void>;
  install(app: App): void;
}

/** @internal The key `useTessera()` injects. */
export const tesseraKey: InjectionKey<Tessera> = Symbol();

/**
 * Creates the plugin. Reads `location.href` where there is one (the callback URL to complete, before
 * a router can replace it) and touches no other browser global: on the server (SSR) the session
 * stays `loading` and nothing subscribes (a server render never calls `app.mount()`); in the
 * browser, `app.mount()` subscribes once per app, after the first render (`app.use()` after `mount()`:
 * at once), and `app.unmount()` unsubscribes (Vue 3.4 too). A stale callback never calls `onReturn`
 * once the app has unmounted.
 *
 * @example
 * const tessera = createTessera({ tokens, signIn });
 * createApp(App).use(tessera).use(router).mount('#app');
 */
export function createTessera(options: TesseraOptions): Tessera {
  // The callback URL is read now, before the router's first navigation (a redirect, a guard, an
  // `onMounted` that replaces the URL) can change it: `mount()` comes later (decision 1005).
  const store = createSessionStore(options.tokens, options.signIn, options.onReturn);
  // `loading` until an app is mounted: on the server it must not show what the manager holds, and a
  // hydrating app must first render what the server did. Snapshots are frozen: a `shallowRef` holds them as they are.
  const session = shallowRef(loadingSession);
  // The store's methods come along (`ready` typed, the others untyped: `createSessionGuard` uses them).
  // Frozen: `tessera.session = …` cannot replace the ref, and Vue never proxies a non-extensible
  // object (as `markRaw` would mark it), so the plugin stays raw inside `reactive()` state and Pinia.
  return Object.freeze({
    ...store,
    session: readonly(session),
    install(app: App) {
      app.provide(tesseraKey, this);
      // A listener per app: the store keeps a Set, so a shared one would be removed by the first unmount.
      const sync = () => {
        session.value = store.getSnapshot();
      };
      // Subscribes, and unsubscribes in `app.unmount()` itself: Vue 3.4 has no `app.onUnmount`.
      const live = () => {
        const stop = store.subscribe(sync);
        const unmount = app.unmount;
        app.unmount = () => {
          stop();
          unmount();
        };
        sync();
      };
      // Live from the end of `mount()`: hydration (synchronous inside it) renders `loading` as the
      // server did, even when the manager already held a set or `ready()` settled before mounting; at
      // once when installed after `mount()` (`_container` is set there), or it would stay `loading`.
      if (app._container) {
        live();
      } else {
        const mount = app.mount;
        app.mount = (...args) => {
          const root = mount(...args);
          live();
          return root;
        };
      }
    },
  });
}
