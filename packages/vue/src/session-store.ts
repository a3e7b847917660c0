import { decodeJwtClaims, type TokenEvent, type TokenManager, type TokenSet } from '@tessera/core';
import type { Session } from './session.js';
import type { CallbackResult, SignInLike } from './sign-in-like.js';

/**
 * One per provider or plugin: holds the session snapshot of one `TokenManager`. Framework-free;
 * this file is identical in `@tessera/react` and `@tessera/vue` (a test checks it).
 */
export interface SessionStore {
  readonly tokens: TokenManager;
  /** Adds a change listener; the first one subscribes to the manager and starts `ready()`. Returns the remover. */
  subscribe(onChange: () => void): () => void;
  /** The current snapshot; the same object until something the snapshot shows changes. */
  getSnapshot(): Session;
  /** Completes a pending callback and reads storage, once; resolves when `status` is no longer `loading`. */
  ready(): Promise<void>;
  /** `signIn.start({ returnTo })`, at most once per call; a rejection becomes the session's `error`. */
  startSignIn(returnTo: string): void;
}

/**
 * The last callback result a store handed to its `onReturn`. `createSignIn` gives every store over one
 * `signIn` (two `<TesseraProvider>` roots, two Vue apps) the same result object: the first store to
 * complete it calls its own `onReturn`, the others none, so the app navigates once (decision 1001).
 */
let claimed: CallbackResult | undefined;

/** What the server renders, and every store's first snapshot. */
export const loadingSession: Session = Object.freeze({ status: 'loading' });

/**
 * Creates a store. Reads `location.href` where there is one and touches no other browser global;
 * subscribes to nothing until `subscribe()` or `ready()` is called, so it can be created during a
 * server render. That URL is the callback `ready()` completes: read when the provider renders or
 * the plugin is created, before a child's first effect or a router's redirect can replace it
 * (decision 1005).
 */
export function createSessionStore(
  tokens: TokenManager,
  signIn?: SignInLike,
  onReturn?: (returnTo: string) => void,
): SessionStore {
  // Undefined on the server (no `location`).
  const url = globalThis.location?.href;
  const listeners = new Set<() => void>();
  let snapshot = loadingSession;
  /** The manager's set the `signed-in` snapshot shows (as a copy without the refresh token). */
  let shown: TokenSet | undefined;
  /**
   * The manager's unsubscribe while subscribed; `null` once the last listener left (the provider or app is
   * gone). Typed to take the `null` it is called with (`stop?.((stop = null))`: fewer bytes, decision 1003).
   */
  let stop: ((ignored: null) => void) | null | undefined;
  let settling: Promise<void> | undefined;
  /** `1` once `ready()` settled; never `true`/`false` (fewer bytes, decision 1003). */
  let settled: 1 | undefined;
  /** What a settled store without tokens shows: `ended` after an `invalid_grant`, until the next `cleared`. */
  let end: 'signed-out' | 'ended' = 'signed-out';
  /** Why there is no session: the `invalid_grant` refusal, a callback error or a failed `start()`. */
  let error: unknown;

  // The manager's set as a default parameter, not a `const`: fewer bytes (decision 1003); every caller
  // (React, the Vue plugin and guard, `onEvent`) passes no argument.
  const getSnapshot = (set = tokens.peekTokens()): Session => {
    // Without a callback to complete, a set already in memory needs no storage read.
    if (set && (settled || !signIn?.handleCallback)) {
      if (shown !== set) {
        shown = set;
        snapshot = Object.freeze({
          status: 'signed-in',
          // A frozen copy without the refresh token: the snapshot ends up in devtools, in state that is
          // serialized (SSR state transfer, persisted stores), and must not change the manager's set.
          tokens: Object.freeze({ ...set, refreshToken: undefined }),
          // The same claims object while the ID token is the same: safe in effect dependencies. Core's
          // `decodeJwtClaims` (one size rule, decision 0026; nothing added to an app bundle), frozen:
          // `Object.freeze(undefined)` is `undefined`. Written here, not as a function of its own: fewer
          // bytes (decision 1003).
          claims:
            snapshot.tokens?.idToken === set.idToken
              ? snapshot.claims
              : Object.freeze(decodeJwtClaims(set.idToken)),
          expiresAt: set.expiresAt,
        });
      }
    } else {
      snapshot = !settled
        ? loadingSession
        : // `Object.is`: an error of `NaN` (a custom sign-in's rejection) is the same value, or every read makes
          // a new snapshot and React renders without end (`getSnapshot` must be cached, decision 1000).
          // biome-ignore lint/suspicious/noDoubleEquals: two strings; `==` is fewer bytes (decision 1003)
          snapshot.status == end && Object.is(snapshot.error, error)
          ? snapshot
          : (Object.freeze({ status: end, error }) as Session);
    }
    return snapshot;
  };

  // Every listener hears of every event: each compares the snapshot with the one it shows (React does,
  // Vue's `shallowRef` does), so nothing re-renders without a change. Skipping listeners when
  // `getSnapshot()` saw no change here would lose a change a render or a guard had already read
  // between the manager's update and its event: those that did not re-render would stay stale.
  const notify = (): void => {
    for (const listener of listeners) listener();
  };

  /**
   * `signed-out` with `caught` as the `error`: a `clear()` here (none) or a failed `start()`, even
   * after `ended` (decision 1001). One function for both: fewer bytes (decision 1003).
   */
  const out = (caught?: unknown): void => {
    end = 'signed-out';
    error = caught;
    notify();
  };

  // `error`: an `OAuthError` (of any copy of core) with `error: 'invalid_grant'`, as `refresh_failed`
  // and `session_expired` carry it. `reason`: only `cleared` has `clear` or `external` (a refresh's
  // reasons are others), so the event's type need not be compared. Read from the event where used,
  // not destructured: fewer bytes (decision 1003).
  const onEvent = (event: { error?: { error?: unknown }; reason?: unknown }): void =>
    // The end starts at `refresh_failed` with `invalid_grant`, while the set is still shown: the
    // manager then forgets it at once but says `cleared` only once storage is emptied, and the
    // snapshot shows `ended` meanwhile, never `signed-out`. Without a set (`clear()` came first)
    // that refusal ends nothing. Another tab removing the set (`external`: its sign-out or its own
    // end, which storage cannot tell apart) ends this tab's session too, without an `error`: never
    // `signed-out`, which `<RequireSession>` would answer with a sign-in that loses unsaved work here.
    // One conditional expression, not statements: fewer bytes (decision 1003).
    (event.error?.error === 'invalid_grant' && getSnapshot().tokens) || event.reason === 'external'
      ? // biome-ignore lint/suspicious/noAssignInExpressions: one expression, fewer bytes (decision 1003)
        // biome-ignore lint/complexity/noCommaOperator: see above
        ((error = event.error), (end = 'ended'), notify())
      : event.reason === 'clear'
        ? out()
        : notify();

  // `settling ??= …` is the expression returned: fewer bytes than a `return` after it (decision 1003).
  const ready = (): Promise<void> =>
    (settling ??= (async () => {
      let result: CallbackResult | undefined;
      try {
        result = await signIn?.handleCallback?.(url);
        await tokens.ready();
        // The page is leaving (e.g. to the authorization server): stay `loading`, awaiting a thenable
        // that never calls back (fewer bytes than a never-settling `Promise`, decision 1003). `==`: a string.
        // biome-ignore lint/suspicious/noDoubleEquals: see above
        // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
        if (result?.status == 'navigating') await ({ then() {} } as PromiseLike<never>);
        error = result?.error;
      } catch (caught) {
        error = caught;
      }
      settled = 1;
      notify();
      // Only `handled` brings `returnTo`. Not once the last listener left (`null`): the provider got
      // another `tokens`/`signIn`, or it or the app unmounted, and the old navigation would move the
      // page under the new one; never subscribed (a Vue guard before `mount()`) it still runs. The
      // session is signed in whatever the app's navigation callback does: a throw or a rejection of it
      // is reported as an uncaught error (`reportError`, as an event handler's throw is; `console.error`
      // where there is none, as in Node and jsdom), never as `ready()` rejecting (decision 1001, updates).
      // Not for a result another store already handed to its `onReturn` (`claimed`); claimed only when
      // there is an `onReturn` to hand it to (the assignment is the optional call's argument).
      if (result?.returnTo && claimed !== result && stop !== null)
        // biome-ignore lint/suspicious/noAssignInExpressions: see above
        (async () => onReturn?.((claimed = result).returnTo!))().catch(
          globalThis.reportError ?? console.error,
        );
    })());

  // `ready` first: the key order that measured smallest (decision 1003).
  return {
    ready,
    getSnapshot,
    tokens,
    subscribe(onChange) {
      listeners.add(onChange);
      stop ??= tokens.subscribe(onEvent as (event: TokenEvent) => void);
      void ready();
      return () => {
        listeners.delete(onChange);
        // The last one: unsubscribe from the manager, and remember it (`null`) in one expression (decision 1003).
        // biome-ignore lint/suspicious/noAssignInExpressions: the argument is only the assignment's vehicle
        if (!listeners.size) stop?.((stop = null));
      };
    },
    startSignIn(returnTo) {
      signIn?.start({ returnTo }).catch(out);
    },
  };
}
