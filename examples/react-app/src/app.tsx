import type { JSX } from 'react';
import type { Session } from './demo/create-session.js';
import type { MockServer } from './demo/mock-server.js';
import { signInNotice } from './demo/sign-in-notice.js';
import { SessionScreen } from './session-screen.js';
import { SignInScreen } from './sign-in-screen.js';
import { TimelineView } from './timeline-view.js';
import { useTokenSession } from './use-token-session.js';

/** The sign-in screen while there are no tokens, the session screen while there are; the request timeline below. */
export function App({ session, mock }: { session: Session; mock: MockServer | undefined }): JSX.Element {
  const state = useTokenSession(session.tokens);
  return (
    <main className="app">
      <header className="app-header">
        <h1>Tessera · React</h1>
        <span className="badge" data-testid="server">
          {mock ? 'embedded mock server (msw service worker)' : new URL(session.apiUrl).host}
        </span>
      </header>
      {state.tokens ? (
        <SessionScreen session={session} state={state} mock={mock} />
      ) : (
        <SignInScreen
          session={session}
          notice={signInNotice(state.lastEvent)}
          showDemoUser={mock !== undefined}
        />
      )}
      <TimelineView timeline={session.timeline} />
    </main>
  );
}
