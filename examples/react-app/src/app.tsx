import { useSession } from '@tessera/react';
import { type JSX, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Session } from './demo/create-session.js';
import type { MockServer } from './demo/mock-server.js';
import { signInNotice } from './demo/sign-in-notice.js';
import { createSignInPolicy, type LoadDecision } from './demo/sign-in-policy.js';
import { SessionScreen } from './session-screen.js';
import { SignInScreen } from './sign-in-screen.js';
import { TimelineView } from './timeline-view.js';

/** "Loading", the sign-in screen or the session screen, from `useSession()`; the request timeline below. */
export function App({ session, mock }: { session: Session; mock: MockServer | undefined }): JSX.Element {
  const { status, error } = useSession();
  const stats = useSyncExternalStore(session.stats.subscribe, session.stats.getSnapshot);
  const policy = useMemo(() => session.oidc && createSignInPolicy(session.oidc), [session.oidc]);
  const [onLoad, setOnLoad] = useState<LoadDecision>();
  // A ref, not the state: StrictMode may run the effect twice before the state update lands.
  const decided = useRef(false);
  useEffect(() => {
    // Once per page load: restore the session through the provider, or say why the user is signed out.
    if (status === 'loading' || !policy || decided.current) return;
    decided.current = true;
    setOnLoad(policy.onLoaded(status, error, setOnLoad));
  }, [status, error, policy]);
  const waiting = status === 'loading' || (policy && (!onLoad || onLoad.action === 'silent-sign-in'));

  return (
    <main className="app">
      <header className="app-header">
        <h1>Tessera · React</h1>
        <span className="badge" data-testid="server">
          {session.issuer
            ? `identity provider ${new URL(session.issuer).host}`
            : 'embedded mock server (msw service worker)'}
        </span>
      </header>
      {status === 'signed-in' ? (
        <SessionScreen session={session} stats={stats} mock={mock} onSignOut={() => policy?.signedOut()} />
      ) : waiting ? (
        <p className="card" data-testid="loading">
          Restoring your session…
        </p>
      ) : (
        <SignInScreen
          session={session}
          policy={policy}
          notice={
            signInNotice(stats.lastEvent) ?? (onLoad?.action === 'sign-in-screen' ? onLoad.notice : undefined)
          }
          error={error ?? (onLoad?.action === 'sign-in-screen' ? onLoad.error : undefined)}
          showDemoUser={mock !== undefined}
        />
      )}
      <TimelineView timeline={session.timeline} />
    </main>
  );
}
