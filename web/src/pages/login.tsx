/**
 * Login with a username and password, or with a token (the one-time token `serve` prints at first
 * start, or an API token): either is traded for a session token (POST /auth/login) that expires.
 */
import { type FormEvent, useState } from 'react';
import { post } from '../api/client.ts';
import { ErrorBox } from '../components/feedback.tsx';
import { type Session, sessionEndReason, startSession } from '../session-store.ts';

export function LoginPage() {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ended = sessionEndReason();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await post<Session>('/auth/login', mode === 'password' ? { username, password } : { token: token.trim() });
      startSession(session);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">botledger</h1>
        {ended ? (
          <p className="notice" role="status">
            {ended}
          </p>
        ) : null}
        <div className="tabs" role="tablist" aria-label="log in with">
          <button type="button" role="tab" aria-selected={mode === 'password'} onClick={() => setMode('password')}>
            Password
          </button>
          <button type="button" role="tab" aria-selected={mode === 'token'} onClick={() => setMode('token')}>
            Token
          </button>
        </div>
        {mode === 'password' ? (
          <>
            <label>
              Username
              <input
                name="username"
                autoComplete="username"
                required
                value={username}
                onChange={(event) => setUsername(event.target.value)}
              />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            </label>
          </>
        ) : (
          <label>
            Token
            <input
              name="token"
              autoComplete="off"
              spellCheck={false}
              required
              value={token}
              onChange={(event) => setToken(event.target.value)}
            />
            <small className="muted">The one-time token `botledger serve` printed at first start, or an API token.</small>
          </label>
        )}
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
