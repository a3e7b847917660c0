import { type FormEvent, type JSX, useState } from 'react';
import type { Session } from './demo/create-session.js';
import { signInError } from './demo/sign-in-error.js';

interface SignInScreenProps {
  session: Session;
  /** Why the user is here again (session ended, signed out). */
  notice: string | undefined;
  /** Prefill the mock server's user. */
  showDemoUser: boolean;
}

/** Username and password, sent once with the password grant. */
export function SignInScreen({ session, notice, showDemoUser }: SignInScreenProps): JSX.Element {
  const [username, setUsername] = useState(showDemoUser ? 'alice' : '');
  const [password, setPassword] = useState(showDemoUser ? 'wonderland' : '');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await session.signIn(username, password);
    } catch (failure) {
      setError(signInError(failure));
      setPending(false);
    }
  }

  return (
    <form className="card sign-in" data-testid="sign-in" onSubmit={submit}>
      <h2>Sign in</h2>
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      <label>
        Username
        <input
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p className="error" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      {showDemoUser && <p className="hint">The mock server knows one user: alice / wonderland.</p>}
    </form>
  );
}
