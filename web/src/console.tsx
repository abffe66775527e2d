import { Fragment } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { control, web } from './api.js';

type Rec = Record<string, any>;
type Tab = 'bots' | 'events' | 'requests' | 'snapshots' | 'clock' | 'faults' | 'limits';

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

  useEffect(() => {
    web<{ control_token: string }>('console').then((r) => setToken(r.control_token), (e) => setError(e.message));
  }, []);

  if (error) return <div class="console"><div class="error" role="alert">{error}</div></div>;
  if (!token) return <div class="console">Loading…</div>;
  const tabs: [Tab, string][] = [['bots', 'Bots'], ['events', 'Event deliveries'], ['requests', 'Requests'], ['snapshots', 'Snapshots'], ['clock', 'Clock'], ['faults', 'Faults'], ['limits', 'Limits']];
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
        {tab === 'requests' ? <Requests token={token} /> : null}
        {tab === 'snapshots' ? <Snapshots token={token} /> : null}
        {tab === 'clock' ? <Clock token={token} /> : null}
        {tab === 'faults' ? <Faults token={token} /> : null}
        {tab === 'limits' ? <Json token={token} path="limits" /> : null}
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
                {b.event_mode === 'FETCH' ? <Queue token={token} botId={b.id} count={b.queued_events} /> : null}
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

/** A v2 fetch-mode bot's queue: the count, and the waiting events on demand (oldest first). */
function Queue({ token, botId, count }: { token: string; botId: number; count: number }) {
  const [events, setEvents] = useState<Rec[] | null>(null);
  const [error, setError] = useState('');
  const toggle = () => {
    if (events) return setEvents(null);
    control<{ events: Rec[] }>(token, `bots/${botId}/queue`).then((r) => { setEvents(r.events); setError(''); }, (e) => setError(e.message));
  };
  return (
    <div class="queue">
      <span>fetch · </span>
      <button type="button" class="link" aria-expanded={events !== null} onClick={toggle}>{count} queued</button>
      {error ? <div class="error" role="alert">{error}</div> : null}
      {events ? (
        events.length === 0 ? <div class="muted">The queue is empty.</div> : (
          <ol class="queue-events">
            {events.map((e) => (
              <li key={e.event_id} data-queued={e.event_id}>
                <b>{e.type}</b> <span class="muted">#{e.event_id} · {when(e.created_at)}</span>
                <pre class="body">{JSON.stringify(e.data, null, 2)}</pre>
              </li>
            ))}
          </ol>
        )
      ) : null}
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
  const cancel = async (id?: number) => {
    try {
      if (id === undefined) {
        const r = await control<{ cancelled: number[] }>(token, 'events/cancel', { body: { pending: true } });
        setNote(`Cancelled ${r.cancelled.length} pending deliver${r.cancelled.length === 1 ? 'y' : 'ies'}`);
      } else {
        await control(token, `events/${id}`, { method: 'DELETE' });
        setNote(`Delivery ${id} cancelled`);
      }
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
        <button type="button" onClick={() => cancel()}>Cancel all pending</button>
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
                <td>
                  <button type="button" onClick={() => resend(e.id)}>Resend</button>
                  {e.status === 'pending' ? <button type="button" onClick={() => cancel(e.id)}>Cancel</button> : null}
                </td>
              </tr>
              {open === e.id ? (
                <tr class="detail"><td colSpan={7}>
                  {e.last_error ? <p class="muted">{e.last_error}</p> : null}
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

/**
 * The request log (`/__control/requests`): newest first, filtered by method, status and "errors
 * only"; "Follow" asks every second for what came after the newest row shown.
 */
function Requests({ token }: { token: string }) {
  const [method, setMethod] = useState('');
  const [status, setStatus] = useState('');
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [follow, setFollow] = useState(false);
  const [rows, setRows] = useState<Rec[]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState('');
  const query = () => {
    const q = new URLSearchParams({ limit: '200' });
    if (method.trim()) q.set('method', method.trim());
    if (status.trim()) q.set('status', status.trim());
    if (errorsOnly) q.set('error', '*');
    return q;
  };
  const load = useCallback(() => {
    control<{ requests: Rec[] }>(token, `requests?${query()}`).then((r) => { setRows(r.requests); setError(''); }, (e) => setError(e.message));
  }, [token, method, status, errorsOnly]);
  useEffect(load, [load]);
  const newest = useRef(0);
  useEffect(() => {
    newest.current = rows[0]?.id ?? 0;
  }, [rows]);
  useEffect(() => {
    if (!follow) return;
    const timer = setInterval(() => {
      const q = query();
      if (newest.current) q.set('after', String(newest.current));
      control<{ requests: Rec[] }>(token, `requests?${q}`).then((r) => {
        if (r.requests.length) setRows((now) => [...r.requests.filter((x) => !now.some((y) => y.id === x.id)), ...now].slice(0, 500));
      }, (e) => setError(e.message));
    }, 1000);
    return () => clearInterval(timer);
  }, [follow, load]);
  return (
    <div>
      <div class="panel-head">
        <h2>Requests</h2>
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow</label>
        <button type="button" onClick={load}>Refresh</button>
      </div>
      <form class="row" onSubmit={(e) => { e.preventDefault(); load(); }}>
        <input aria-label="Method filter" placeholder="method, e.g. im.*" value={method} onInput={(e) => setMethod((e.target as HTMLInputElement).value)} />
        <input aria-label="Status filter" placeholder="HTTP status" inputMode="numeric" value={status} onInput={(e) => setStatus((e.target as HTMLInputElement).value)} />
        <label><input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly((e.target as HTMLInputElement).checked)} /> errors only</label>
      </form>
      {error ? <div class="error" role="alert">{error}</div> : null}
      <table class="grid requests">
        <thead><tr><th>ID</th><th>Time</th><th>Method</th><th>Caller</th><th>Status</th><th>ms</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <Fragment key={r.id}>
              <tr data-request={r.id} data-method={r.method} data-status={r.status}>
                <td>{r.id}{r.parent_id ? <span class="muted"> ↳{r.parent_id}</span> : null}</td>
                <td>{when(r.time)}</td>
                <td><button type="button" class="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>{r.method}</button></td>
                <td><code>{r.caller ?? '—'}</code> <span class="muted">{r.transport}</span></td>
                <td><span class={`status ${r.error ? 'status-failed' : 'status-delivered'}`}>{r.status}</span>{r.error ? <span class="muted"> {r.error}</span> : null}</td>
                <td>{Math.round(Number(r.duration_ms) * 10) / 10}</td>
              </tr>
              {open === r.id ? (
                <tr class="detail"><td colSpan={6}>
                  <h3>Parameters</h3>
                  <pre class="body">{JSON.stringify(r.params, null, 2)}</pre>
                  <h3>{r.error ? 'Error' : 'Result'}</h3>
                  <pre class="body">{r.error ? `${r.error}: ${r.error_description ?? ''}` : JSON.stringify(r.result, null, 2)}</pre>
                </td></tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p class="muted">No requests recorded.</p> : null}
    </div>
  );
}

/** State snapshots (`/__control/snapshots`) and the reset to a fresh portal (`/__control/reset`). */
function Snapshots({ token }: { token: string }) {
  const [data, reload, error] = useControl<{ snapshots: Rec[] }>(token, 'snapshots');
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [confirmReset, setConfirmReset] = useState(false);
  const act = async (what: Promise<unknown>, done: string) => {
    try {
      await what;
      setNote(done);
      reload();
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <div>
      <div class="panel-head"><h2>Snapshots</h2><button type="button" onClick={reload}>Refresh</button></div>
      {error ? <div class="error" role="alert">{error}</div> : null}
      {note ? <div class="note" role="status">{note}</div> : null}
      <form class="row" onSubmit={(e) => { e.preventDefault(); void act(control(token, 'snapshots', { body: { name: name.trim() } }), `Snapshot ${name.trim()} taken`); }}>
        <input aria-label="Snapshot name" placeholder="name, e.g. base" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={!name.trim()}>Take snapshot</button>
        {confirmReset ? (
          <button type="button" class="danger" onClick={() => { setConfirmReset(false); void act(control(token, 'reset', { body: {} }), 'The portal was reset to its first start'); }}>Really reset everything?</button>
        ) : (
          <button type="button" onClick={() => setConfirmReset(true)}>Reset portal…</button>
        )}
      </form>
      <table class="grid snapshots">
        <thead><tr><th>Name</th><th>Taken</th><th>Rows</th><th>Files</th><th /></tr></thead>
        <tbody>
          {(data?.snapshots ?? []).map((x) => (
            <tr key={x.name} data-snapshot={x.name}>
              <td>{x.name}</td>
              <td>{when(x.created_at)}</td>
              <td>{x.rows}</td>
              <td>{x.file_bytes} B</td>
              <td>
                <button type="button" onClick={() => act(control(token, `snapshots/${encodeURIComponent(x.name)}/restore`, { body: {} }), `Restored ${x.name}`)}>Restore</button>
                <button type="button" onClick={() => act(control(token, `snapshots/${encodeURIComponent(x.name)}`, { method: 'DELETE' }), `Deleted ${x.name}`)}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.snapshots.length === 0 ? <p class="muted">No snapshots yet.</p> : null}
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
