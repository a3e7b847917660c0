import type { TokenEventListener } from '../events.js';
import { decodeJwtClaims } from '../jwt-claims.js';
import { signInFailed } from '../sign-in/as-tessera-error.js';
import type { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import type { Session } from './session.js';
import type { SessionCallbackResult, SignInLike } from './sign-in-like.js';

/**
 * The session of one `TokenManager` as one immutable snapshot, for a UI framework to render. The
 * building block of `@tessera/react`'s `<TesseraProvider>` and `@tessera/vue`'s `createTessera()`
 * (decision 1007); framework-free, for another framework's binding.
 */
export interface SessionStore {
  readonly tokens: TokenManager;
  /** Adds a change listener; the first one subscribes to the manager and starts `ready()`. Returns the remover. */
  subscribe(onChange: () => void): () => void;
  /** The current snapshot; the same object until something the snapshot shows changes. */
  getSnapshot(): Session;
  /** Completes a pending callback and reads storage, once; resolves when `status` is no longer `loading`. */
  ready(): Promise<void>;
  /**
   * `signIn.start({ returnTo })`, at most once per call; never throws: a rejection, or a synchronous
   * throw, becomes the session's `error` (a falsy one as a `SIGN_IN_FAILED` `TesseraError` with it as `cause`).
   */
  startSignIn(returnTo: string): void;
}

/** What a server renders, and every store's first snapshot. */
export const loadingSession: Session = /* @__PURE__ */ Object.freeze({ status: 'loading' });

/**
 * The last callback result a store handed to its `onReturn`. `createSignIn` gives every store over one
 * `signIn` (two `<TesseraProvider>` roots, two Vue apps) the same result object: the first store to
 * complete it calls its own `onReturn`, the others none, so the app navigates once (decision 1001).
 */
let claimed: SessionCallbackResult | undefined;

/**
 * Why each manager has no session, as its stores last showed it: a store created later over the same
 * manager (a provider re-keyed or remounted by an error boundary or a router, a new Vue plugin) starts
 * from it, not from `signed-out` without `error`, which its guard would answer with a sign-in: the
 * callback URL that failed was cleaned and is not read again (decision 1001, update).
 */
const outcomes = /* @__PURE__ */ new WeakMap<TokenManager, [end: 'signed-out' | 'ended', error: unknown]>();

/**
 * The unsubscribe of the last store that kept an outcome and then lost its last listener: it still hears
 * the manager (a `clear()`, a sign-in and its end), so its outcome does not go stale while no store
 * listens. The next store to subscribe over the manager ends it.
 */
const followers = /* @__PURE__ */ new WeakMap<TokenManager, () => void>();

/** What the manager's events carry that the store reads (an `OAuthError` of any copy of core has `error`). */
interface StoreEvent {
  error?: { error?: unknown };
  reason?: unknown;
}

/**
 * Creates a session store over `tokens`. Reads `location.href` where there is one (the callback URL
 * `ready()` completes, read now, before a router can replace it: decision 1005) and touches no other
 * browser global; subscribes to nothing until `subscribe()` or `ready()` is called, so it can be
 * created during a server render (decision 1000).
 *
 * @param signIn The sign-in flow: its `handleCallback()` is completed once; `startSignIn()` calls its `start()`.
 * @param onReturn Called once after a callback signed the user in, with the path sign-in started from.
 *
 * @example
 * const store = createSessionStore(tokens, signIn, (to) => router.replace(to));
 * const stop = store.subscribe(() => render(store.getSnapshot()));
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
  /** The manager's unsubscribe while subscribed; `undefined` before the first listener, `null` once the last left. */
  let stop: (() => void) | null | undefined;
  let settling: Promise<void> | undefined;
  let settled = false;
  /**
   * `end`: what a settled store without tokens shows: `ended` after an `invalid_grant`, until the next
   * `cleared`. `error`: why there is no session: the `invalid_grant` refusal, a callback error or a failed
   * `start()`. As the manager's last store left them.
   */
  let [end, error] = outcomes.get(tokens) ?? ['signed-out'];

  function getSnapshot(): Session {
    const set = tokens.peekTokens();
    // Without a callback to complete, a set already in memory needs no storage read.
    if (set && (settled || !signIn?.handleCallback)) {
      if (shown !== set) {
        shown = set;
        // The same claims object while the ID token is the same: safe in effect dependencies.
        const claims =
          snapshot.tokens?.idToken === set.idToken ? snapshot.claims : decodeJwtClaims(set.idToken);
        snapshot = Object.freeze({
          status: 'signed-in',
          // A frozen copy without the refresh token: the snapshot ends up in devtools, in state that is
          // serialized (SSR state transfer, persisted stores), and must not change the manager's set.
          tokens: Object.freeze({ ...set, refreshToken: undefined }),
          claims: claims && Object.freeze(claims),
          expiresAt: set.expiresAt,
        });
      }
    } else if (!settled) {
      snapshot = loadingSession;
    } else if (snapshot.status !== end || !Object.is(snapshot.error, error)) {
      // `Object.is`: a snapshot made for every read would make React render without end.
      snapshot = Object.freeze({ status: end, error }) as Session;
    }
    return snapshot;
  }

  // Every listener hears of every event: each compares the snapshot with the one it shows (React does,
  // Vue's refs do), so nothing re-renders without a change. Skipping listeners when `getSnapshot()`
  // saw no change here would lose a change a render or a guard had already read between the
  // manager's update and its event: those that did not re-render would stay stale (decision 1000).
  // Every change of `end` and `error` is followed by a `notify()`: kept here for the manager's next store.
  function notify(): void {
    outcomes.set(tokens, [end, error]);
    for (const listener of listeners) listener();
  }

  /**
   * A failed sign-in (`start()` rejecting, the callback's error or rejection): `signed-out` with the
   * reason as `error`, even after `ended` (decision 1001). A falsy reason (`Promise.reject()`, `0`, `NaN`)
   * becomes core's `SIGN_IN_FAILED` error with it as `cause`: a failure always has a truthy `error`,
   * which is what the guards read.
   */
  function fail(reason: unknown): void {
    end = 'signed-out';
    error = reason || signInFailed(reason);
  }

  function onEvent(event: StoreEvent): void {
    // The end starts at `refresh_failed` with `invalid_grant` (as `refresh_failed` and `session_expired`
    // carry it), while the set is still shown: the manager then forgets it at once but says `cleared`
    // only once storage is emptied, and the snapshot shows `ended` meanwhile, never `signed-out`.
    // Without a set (`clear()` came first) that refusal ends nothing. Another tab removing the set
    // (`external`: its sign-out or its own end, which storage cannot tell apart) ends this tab's session
    // too, without an `error`: never `signed-out`, which `<RequireSession>` would answer with a sign-in
    // that loses unsaved work here. Only `cleared` has the reasons `clear` and `external`.
    if ((event.error?.error === 'invalid_grant' && getSnapshot().tokens) || event.reason === 'external') {
      end = 'ended';
      error = event.error;
    } else if (event.reason === 'clear') {
      end = 'signed-out';
      error = undefined;
    }
    notify();
  }

  async function settle(): Promise<void> {
    let result: SessionCallbackResult | undefined;
    try {
      result = await signIn?.handleCallback?.(url);
      // The page is leaving (e.g. to the authorization server): stay `loading` until Back brings it
      // out of the bfcache (a `pageshow` that is `persisted`), as it was: then settle on what the manager
      // holds. `createSignIn` stops navigating there too; the abandoned transaction expires unused.
      // Or until that `start()` fails (`navigation` rejects: discovery, no secure context): the page
      // stays and no Back comes; settled as a failed `startSignIn()` is (decision 1001, update).
      // Listened to before `tokens.ready()`: Back may come while the manager still reads storage.
      const back =
        result?.status === 'navigating' &&
        new Promise<void>((resolve) => {
          const listener = (event: PageTransitionEvent): void => {
            if (!event.persisted) return;
            removeEventListener('pageshow', listener);
            resolve();
          };
          globalThis.addEventListener?.('pageshow', listener);
          // The listener stays: a later Back finds the wait over.
          result?.navigation?.catch((reason: unknown) => {
            fail(reason);
            resolve();
          });
        });
      await tokens.ready();
      await back;
      if (result?.status === 'error') fail(result.error);
    } catch (caught) {
      fail(caught);
    }
    settled = true;
    notify();
    // Only `handled` brings `returnTo`. Not once the last listener left (`null`): the provider got
    // another `tokens`/`signIn`, or it or the app unmounted, and the old navigation would move the
    // page under the new one; never subscribed (a Vue guard before `mount()`) it still runs. Not for
    // a result another store already handed to its `onReturn` (`claimed`). The session is signed in
    // whatever the app's navigation does: a throw or a rejection of it is reported as an uncaught error
    // (`reportError`, as an event handler's throw is; `console.error` where there is none, as in Node
    // and jsdom), never as `ready()` rejecting (decision 1001, updates).
    const returnTo = result?.returnTo;
    if (returnTo && onReturn && claimed !== result && stop !== null) {
      claimed = result;
      (async () => onReturn(returnTo))().catch(globalThis.reportError ?? console.error);
    }
  }

  function ready(): Promise<void> {
    settling ??= settle();
    return settling;
  }

  return {
    tokens,
    subscribe(onChange) {
      listeners.add(onChange);
      followers.get(tokens)?.();
      stop ??= tokens.subscribe(onEvent as TokenEventListener);
      void ready();
      return () => {
        listeners.delete(onChange);
        // The last one: unsubscribe from the manager, and remember that it left (`null`).
        if (listeners.size === 0) {
          stop?.();
          stop = null;
          if (error || end === 'ended') {
            followers.get(tokens)?.();
            // Its own function: `onEvent` may be subscribed again, and an unsubscribe removes by function.
            followers.set(
              tokens,
              tokens.subscribe((event) => onEvent(event as StoreEvent)),
            );
          }
        }
      };
    },
    getSnapshot,
    ready,
    startSignIn(returnTo) {
      // A `start()` that throws (a test double, a misconfigured flow) fails as a rejection does: never a
      // throw into the caller's effect or guard; one that returns no promise fails nothing (decision 1001).
      (async () => signIn?.start({ returnTo }))().catch((reason: unknown) => {
        fail(reason);
        notify();
      });
    },
  };
}
