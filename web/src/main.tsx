import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, setSessid, web } from './api.js';
import { Console } from './console.js';
import { Messenger } from './messenger.js';
import './style.css';
import type { Me } from './api.js';

export type { Me } from './api.js';

interface Config {
  profile: 'dev' | 'cloud';
  picker: boolean;
  portal: string;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const [config, setConfig] = useState<Config | null>(null);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();

  useEffect(() => {
    web<Config>('config').then(setConfig).catch(() => setConfig({ profile: 'cloud', picker: false, portal: '' }));
    web<{ sessid: string; user: Me }>('session')
      .then((s) => {
        setSessid(s.sessid);
        setMe(s.user);
      })
      .catch(() => setMe(null));
  }, []);

  if (me === undefined || !config) return <div class="loading">Loading…</div>;
  if (me === null) {
    return <SignIn config={config} onSignedIn={(s) => { setSessid(s.sessid); setMe(s.user); }} />;
  }
  const consoleOpen = hash.startsWith('#/console') && me.is_admin;
  const signOut = async () => {
    await web('logout', {}).catch(() => undefined);
    setSessid('');
    setMe(null);
    location.hash = '';
  };
  return (
    <div class="shell">
      <nav class="topbar" aria-label="Main">
        <span class="brand">imbot-server</span>
        <a href="#/" aria-current={!consoleOpen ? 'page' : undefined}>Messenger</a>
        {me.is_admin ? <a href="#/console" aria-current={consoleOpen ? 'page' : undefined}>Console</a> : null}
        <span class="spacer" />
        <span class="me" data-user={me.id}>{[me.name, me.last_name].filter(Boolean).join(' ')}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </nav>
      {consoleOpen ? <Console /> : <Messenger me={me} />}
    </div>
  );
}

function SignIn({ config, onSignedIn }: { config: Config; onSignedIn(s: { sessid: string; user: Me }): void }) {
  const [people, setPeople] = useState<Me[]>([]);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [lastName, setLastName] = useState('');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');

  const load = () => web<{ people: Me[] }>('people').then((r) => setPeople(r.people)).catch((e) => setError(e.message));
  useEffect(() => {
    if (config.picker) void load();
  }, []);

  const attempt = async (payload: Record<string, unknown>) => {
    setError('');
    try {
      onSignedIn(await web('login', payload));
    } catch (e) {
      setError(e instanceof ApiError ? e.description : String(e));
    }
  };

  return (
    <main class="signin">
      <h1>imbot-server</h1>
      <p class="muted">{config.portal} · profile {config.profile}</p>
      {error ? <div class="error" role="alert">{error}</div> : null}
      {config.picker ? (
        <section aria-label="Choose a person">
          <h2>Sign in as</h2>
          <ul class="picker" role="list">
            {people.map((p) => (
              <li key={p.id}>
                <button type="button" class="person" data-user={p.id} onClick={() => attempt({ user_id: p.id })}>
                  {[p.name, p.last_name].filter(Boolean).join(' ')}
                  {p.is_admin ? <span class="badge">admin</span> : null}
                </button>
              </li>
            ))}
          </ul>
          <form
            class="add-person"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await web('people', { name, last_name: lastName });
                setName('');
                setLastName('');
                await load();
              } catch (err) {
                setError(err instanceof ApiError ? err.description : String(err));
              }
            }}
          >
            <h3>Add a person</h3>
            <input aria-label="First name" placeholder="First name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required />
            <input aria-label="Last name" placeholder="Last name" value={lastName} onInput={(e) => setLastName((e.target as HTMLInputElement).value)} />
            <button type="submit">Add</button>
          </form>
        </section>
      ) : null}
      <form
        class="password"
        aria-label="Sign in with a password"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt({ login, password });
        }}
      >
        <h2>{config.picker ? 'Or sign in with a password' : 'Sign in'}</h2>
        <input aria-label="Login or e-mail" placeholder="Login or e-mail" autoComplete="username" value={login} onInput={(e) => setLogin((e.target as HTMLInputElement).value)} required />
        <input aria-label="Password" placeholder="Password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}

render(<App />, document.getElementById('app')!);
