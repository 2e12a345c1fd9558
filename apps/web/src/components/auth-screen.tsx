import { useState } from 'react';
import { useFormSubmit } from './use-form-submit';
import { useAppState, useAppStore } from './use-store';

/** Sign up / log in. */
export function AuthScreen() {
  const store = useAppStore();
  const { notice } = useAppState();
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const { submit, busy, error } = useFormSubmit(async () => {
    if (mode === 'login') await store.login(username.trim().toLowerCase(), password);
    else await store.register(username.trim().toLowerCase(), password, displayName.trim());
  });

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-label={mode === 'login' ? 'Log in' : 'Sign up'}>
        <div className="auth-logo">Parley</div>
        <div className="auth-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => setMode('login')}>
            Log in
          </button>
          <button type="button" role="tab" aria-selected={mode === 'register'} onClick={() => setMode('register')}>
            Sign up
          </button>
        </div>
        {notice && !error && <p className="auth-notice">{notice}</p>}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_.]+"
          />
        </label>
        {mode === 'register' && (
          <label>
            Display name
            <input
              name="displayName"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              maxLength={64}
              placeholder="optional"
            />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={8}
            maxLength={128}
          />
        </label>
        {error && (
          <p className="auth-error" role="alert">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {mode === 'login' ? 'Log in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
