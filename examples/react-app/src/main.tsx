import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startApp } from './demo/start-app.js';
import './styles.css';

const { session, mock } = await startApp(import.meta.env);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} mock={mock} />
  </StrictMode>,
);
