import { useSession } from '@tessera/react';
import { type JSX, useEffect, useState } from 'react';
import type { Session } from './demo/create-session.js';
import { describeEvent } from './demo/describe-event.js';
import { describeExpiresIn } from './demo/describe-expires-in.js';
import { describeParallelCalls } from './demo/describe-parallel-calls.js';
import {
  callErrorCode,
  fireParallelCalls,
  PARALLEL_CALLS,
  type ParallelCallsResult,
} from './demo/fire-parallel-calls.js';
import type { MockServer } from './demo/mock-server.js';
import { shortHash } from './demo/short-hash.js';
import type { TokenSession } from './demo/token-session.js';
import { tokenSubject } from './demo/token-subject.js';
import { useNow } from './use-now.js';

interface SessionScreenProps {
  session: Session;
  /** Refreshes of this session and the latest token event. */
  stats: TokenSession;
  mock: MockServer | undefined;
  /** Called when the user signs out, before the sign-out starts. */
  onSignOut?: () => void;
}

/** The live session panel and the buttons that exercise it. */
export function SessionScreen({ session, stats, mock, onSignOut }: SessionScreenProps): JSX.Element {
  const { tokens, claims, expiresAt } = useSession();
  const now = useNow();
  const [tokenHash, setTokenHash] = useState<string>();
  const accessToken = tokens?.accessToken;
  useEffect(() => {
    let current = true;
    if (accessToken) void shortHash(accessToken).then((hash) => current && setTokenHash(hash));
    return () => {
      current = false;
    };
  }, [accessToken]);
  const [apiResult, setApiResult] = useState<string>();
  const [parallel, setParallel] = useState<ParallelCallsResult>();
  const [busy, setBusy] = useState(false);

  async function callApi(): Promise<void> {
    setApiResult('…');
    try {
      const response = await session.api.get<unknown>(session.apiUrl);
      setApiResult(`${response.status} ${JSON.stringify(response.data)}`);
    } catch (error) {
      setApiResult(`failed: ${callErrorCode(error)}`);
    }
  }

  async function fire(): Promise<void> {
    setBusy(true);
    setParallel(undefined);
    try {
      setParallel(
        await fireParallelCalls(session, PARALLEL_CALLS, mock && ((token) => void mock.revokeToken(token))),
      );
    } finally {
      setBusy(false);
    }
  }

  async function endSession(): Promise<void> {
    mock?.revokeAll();
    await callApi(); // the API refuses the token, the refresh gets invalid_grant: back to sign-in
  }

  return (
    <section className="card session" data-testid="session">
      <div className="session-header">
        <h2>
          Signed in as <span data-testid="user">{claims?.name ?? tokenSubject(tokens)}</span>
        </h2>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            onSignOut?.();
            void session.signOut();
          }}
        >
          Sign out
        </button>
      </div>
      <dl className="stats">
        <Stat label="Access token expires in" testId="expires-in" value={describeExpiresIn(expiresAt, now)} />
        <Stat label="Refreshes" testId="refresh-count" value={String(stats.refreshCount)} />
        <Stat
          label={mock ? 'Token requests (mock server)' : 'Refresh requests (this tab)'}
          testId="token-requests"
          value={String(session.tokenRequestCount())}
        />
        <Stat label="Last event" testId="last-event" value={describeEvent(stats.lastEvent)} />
        <Stat label="Access token (SHA-256, 8 hex)" testId="token-hash" value={tokenHash ?? '…'} />
      </dl>
      <div className="actions">
        <div className="action">
          <button type="button" onClick={() => void callApi()}>
            Call the API
          </button>
          <output data-testid="api-result">{apiResult ?? `GET ${new URL(session.apiUrl).pathname}`}</output>
        </div>
        <div className="action">
          <button type="button" disabled={busy} onClick={() => void fire()}>
            Fire {PARALLEL_CALLS} parallel calls
          </button>
          <output data-testid="parallel-result">{describeParallelCalls(parallel)}</output>
        </div>
        {mock && (
          <div className="action">
            <button type="button" className="danger" onClick={() => void endSession()}>
              End session on the server
            </button>
            <output>revokes every token, like an admin would; the next refresh gets invalid_grant</output>
          </div>
        )}
      </div>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }): JSX.Element {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
