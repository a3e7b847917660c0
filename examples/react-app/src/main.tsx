import { TesseraProvider } from '@tessera/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startApp } from './demo/start-app.js';
import './styles.css';

const { session, mock } = await startApp(import.meta.env);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* Completes the sign-in callback once (StrictMode included) and serves useSession(). */}
    <TesseraProvider
      tokens={session.tokens}
      signIn={session.oidc}
      // Back where sign-in started (the callback URL is already clean): no router here, so no history entry.
      onReturn={(to) => history.replaceState(history.state, '', to)}
    >
      <App session={session} mock={mock} />
    </TesseraProvider>
  </StrictMode>,
);
