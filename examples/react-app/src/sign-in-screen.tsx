import { type FormEvent, type JSX, useState } from 'react';
import type { Session } from './demo/create-session.js';
import { signInError } from './demo/sign-in-error.js';
import type { SignInPolicy } from './demo/sign-in-policy.js';

interface SignInScreenProps {
  session: Session;
  /** Sign-in at the identity provider; `undefined` with the embedded mock server (password form). */
  policy: SignInPolicy | undefined;
  /** Why the user is here again (session ended, signed out). */
  notice: string | undefined;
  /** Why the last sign-in failed (`access_denied`…), from `useSession().error`. */
  error: unknown;
  /** Prefill the mock server's user. */
  showDemoUser: boolean;
}

/** A "Sign in" button that goes to the identity provider's login page; the password form with the mock server. */
export function SignInScreen({
  session,
  policy,
  notice,
  error,
  showDemoUser,
}: SignInScreenProps): JSX.Element {
  const [username, setUsername] = useState(showDemoUser ? 'alice' : '');
  const [password, setPassword] = useState(showDemoUser ? 'wonderland' : '');
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(
    error === undefined ? undefined : signInError(error),
  );

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setPending(true);
    setFailure(undefined);
    try {
      if (policy)
        await policy.signIn(); // navigates away
      else await session.signInWithPassword(username, password);
    } catch (caught) {
      setFailure(signInError(caught));
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
      {!policy && (
        <>
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
        </>
      )}
      {failure && (
        <p className="error" role="alert" data-testid="sign-in-error">
          {failure}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      {policy ? (
        <p className="hint">
          Signs in at the identity provider's own page (authorization code + PKCE). The example provider knows
          alice / wonderland.
        </p>
      ) : (
        showDemoUser && <p className="hint">The mock server knows one user: alice / wonderland.</p>
      )}
    </form>
  );
}
