import { Fragment } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { control, web } from './api.js';

type Rec = Record<string, any>;
type Tab = 'bots' | 'events' | 'clock' | 'faults' | 'limits' | 'requests';

function when(ms: number | null | undefined): string {
  return ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

/**
 * The console: the emulator's state through the control API (/__control/*), with the token an
 * administrator's session is handed by /__web/console (docs/SECURITY.md).
 */
export function Console() {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [tab, setTab] = useState<Tab>('events');
  const [optional, setOptional] = useState<Record<string, boolean>>({});

  useEffect(() => {
    web<{ control_token: string }>('console')
      .then(async (r) => {
        setToken(r.control_token);
        // routes other branches add (request log); shown only when the server has them
        const has = await control(r.control_token, 'requests').then(() => true, () => false);
        setOptional({ requests: has });
      })
      .catch((e) => setError(e.message));
  }, []);

  if (error) return <div class="console"><div class="error" role="alert">{error}</div></div>;
  if (!token) return <div class="console">Loading…</div>;
  const tabs: [Tab, string][] = [['bots', 'Bots'], ['events', 'Event deliveries'], ['clock', 'Clock'], ['faults', 'Faults'], ['limits', 'Limits']];
  if (optional.requests) tabs.push(['requests', 'Requests']);
  return (
    <div class="console">
      <div class="tabs" role="tablist">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} class={tab === id ? 'active' : ''} onClick={() => setTab(id)}>{label}</button>
        ))}
      </div>
      <section class="panel" role="tabpanel">
        {tab === 'bots' ? <Bots token={token} /> : null}
        {tab === 'events' ? <Events token={token} /> : null}
        {tab === 'clock' ? <Clock token={token} /> : null}
        {tab === 'faults' ? <Faults token={token} /> : null}
        {tab === 'limits' ? <Json token={token} path="limits" /> : null}
        {tab === 'requests' ? <Json token={token} path="requests" /> : null}
      </section>
    </div>
  );
}

function useControl<T>(token: string, path: string): [T | null, () => void, string] {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    control<T>(token, path).then((d) => { setData(d); setError(''); }, (e) => setError(e.message));
  }, [token, path]);
  useEffect(load, [load]);
  return [data, load, error];
}

function Bots({ token }: { token: string }) {
  const [data, reload, error] = useControl<{ bots: Rec[] }>(token, 'bots');
  return (
    <div>
      <div class="panel-head"><h2>Bots</h2><button type="button" onClick={reload}>Refresh</button></div>
      {error ? <div class="error" role="alert">{error}</div> : null}
      <table class="grid bots">
        <thead><tr><th>ID</th><th>Name</th><th>API</th><th>Owner</th><th>Events</th><th>Commands</th></tr></thead>
        <tbody>
          {(data?.bots ?? []).map((b) => (
            <tr key={b.id} data-bot={b.id}>
              <td>{b.id}</td>
              <td>{b.name}<div class="muted">{b.code}</div></td>
              <td>v{b.api_version}</td>
              <td><code>{b.owner}</code></td>
              <td>
                {b.event_mode === 'FETCH' ? <span>fetch · {b.queued_events} queued</span> : null}
                {b.webhook_url ? <div><code>{b.webhook_url}</code></div> : null}
                {b.handlers.map((h: Rec) => <div key={h.event}><span class="muted">{h.event}</span> <code>{h.url}</code></div>)}
              </td>
              <td>{b.commands.map((c: Rec) => <span key={c.command} class={`chip ${c.hidden ? 'muted' : ''}`}>/{c.command}</span>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.bots.length === 0 ? <p class="muted">No bots yet.</p> : null}
    </div>
  );
}

function Events({ token }: { token: string }) {
  const [failedOnly, setFailedOnly] = useState(false);
  const [data, reload, error] = useControl<{ events: Rec[] }>(token, `events?limit=100${failedOnly ? '&failed=1' : ''}`);
  const [open, setOpen] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const resend = async (id: number) => {
    try {
      await control(token, `events/${id}/resend`, { body: {} });
      setNote(`Delivery ${id} queued again`);
      reload();
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <div>
      <div class="panel-head">
        <h2>Event deliveries</h2>
        <label><input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly((e.target as HTMLInputElement).checked)} /> failed only</label>
        <button type="button" onClick={reload}>Refresh</button>
      </div>
      {error ? <div class="error" role="alert">{error}</div> : null}
      {note ? <div class="note" role="status">{note}</div> : null}
      <table class="grid events">
        <thead><tr><th>ID</th><th>Event</th><th>Handler</th><th>Status</th><th>Attempts</th><th>Created</th><th /></tr></thead>
        <tbody>
          {(data?.events ?? []).map((e) => (
            <Fragment key={e.id}>
              <tr data-delivery={e.id} data-event={e.event} data-status={e.status}>
                <td>{e.id}</td>
                <td><button type="button" class="link" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>{e.event}</button></td>
                <td><code>{e.handler_url}</code></td>
                <td><span class={`status status-${e.status}`}>{e.status}</span>{e.last_status ? <span class="muted"> HTTP {e.last_status}</span> : null}</td>
                <td class="attempts">{e.attempts}</td>
                <td>{when(e.created_at)}</td>
                <td><button type="button" onClick={() => resend(e.id)}>Resend</button></td>
              </tr>
              {open === e.id ? (
                <tr class="detail"><td colSpan={7}>
                  <h3>Body</h3>
                  <pre class="body">{decodeURIComponent(String(e.body).replace(/\+/g, ' ')).split('&').join('\n')}</pre>
                  <h3>Attempts</h3>
                  <ul>{e.tries.map((t: Rec) => <li key={t.attempt}>#{t.attempt} at {when(t.at)} · {t.duration_ms} ms · {t.http_status ?? t.error}</li>)}</ul>
                </td></tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      {data && data.events.length === 0 ? <p class="muted">No deliveries yet.</p> : null}
    </div>
  );
}

function Clock({ token }: { token: string }) {
  const [now, setNow] = useState<number | null>(null);
  const [minutes, setMinutes] = useState('60');
  const call = (body?: Rec) => control<{ now: number }>(token, 'clock', body ? { body } : {}).then((r) => setNow(r.now));
  useEffect(() => void call(), []);
  return (
    <div>
      <h2>Clock</h2>
      <p>Portal time: <strong data-testid="clock-now">{when(now)}</strong></p>
      <div class="row">
        <input aria-label="Minutes to advance" type="number" min="1" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
        <button type="button" onClick={() => call({ advance_ms: Number(minutes) * 60_000 })}>Advance</button>
        <button type="button" onClick={() => call({ freeze: true })}>Freeze</button>
        <button type="button" onClick={() => call({ freeze: false })}>Unfreeze</button>
      </div>
    </div>
  );
}

function Faults({ token }: { token: string }) {
  const [data, reload, error] = useControl<{ faults: Rec[] }>(token, 'faults');
  const [method, setMethod] = useState('im.message.add');
  const [kind, setKind] = useState('store_failure');
  const [msg, setMsg] = useState('');
  const arm = () => control(token, 'faults', { body: { method, kind, times: 1 } }).then(() => { setMsg(''); reload(); }, (e) => setMsg(e.description || e.message));
  const clear = () => control(token, 'faults', { method: 'DELETE' }).then(reload);
  return (
    <div>
      <h2>Faults</h2>
      {error || msg ? <div class="error" role="alert">{error || msg}</div> : null}
      <div class="row">
        <input aria-label="Method" value={method} onInput={(e) => setMethod((e.target as HTMLInputElement).value)} />
        <select aria-label="Kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="store_failure">store_failure</option>
          <option value="internal_error">internal_error</option>
        </select>
        <button type="button" onClick={arm}>Arm once</button>
        <button type="button" onClick={clear}>Clear all</button>
      </div>
      <pre class="body">{JSON.stringify(data?.faults ?? [], null, 2)}</pre>
    </div>
  );
}

function Json({ token, path }: { token: string; path: string }) {
  const [data, reload, error] = useControl<Rec>(token, path);
  return (
    <div>
      <div class="panel-head"><h2>{path}</h2><button type="button" onClick={reload}>Refresh</button></div>
      {error ? <div class="error" role="alert">{error}</div> : null}
      <pre class="body">{JSON.stringify(data, null, 2)}</pre>
    </div>
  );
}
