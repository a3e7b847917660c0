import { startApp } from '@tessera/example-browser-app-shared';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import '@tessera/example-browser-app-shared/styles.css';

const { session, mock } = await startApp(import.meta.env);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} mock={mock} />
  </StrictMode>,
);
