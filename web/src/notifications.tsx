import { useState } from 'preact/hooks';
import { ApiError, rest } from './api.js';
import { BbText, type BbHandlers } from './bbcode.js';
import { Modal } from './members.js';
import { Attachments } from './rich.js';

type Rec = Record<string, any>;

/** A person's notifications as im.notify.get answers them (api-reference/chats/notifications/im-notify-get.md). */
export interface NotifyState {
  unread: number;
  items: Rec[];
  users: Record<number, Rec>;
}

export const EMPTY_NOTIFY: NotifyState = { unread: 0, items: [], users: {} };

/** Reads the newest page (50) with im.notify.get, as the portal's notification panel does. */
export async function loadNotifications(): Promise<NotifyState> {
  const r = await rest<Rec>('im.notify.get', { LIMIT: 50 });
  return {
    unread: Number(r.total_unread_count ?? 0),
    items: Array.isArray(r.notifications) ? r.notifications : [],
    users: Object.fromEntries((Array.isArray(r.users) ? r.users : []).map((u: Rec) => [u.id, u])),
  };
}

function buttonsOf(n: Rec): { TITLE: string; VALUE: string; TYPE: string }[] {
  try {
    const list = typeof n.notify_buttons === 'string' ? JSON.parse(n.notify_buttons) : n.notify_buttons;
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

const when = (date: string) => {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
};

/**
 * The notification panel: what bots and applications sent the person (im.notify.*), newest first,
 * with the text and ATTACH rendered as in messages, confirm buttons (im.notify.confirm), and the
 * read state — one notification (im.notify.read ONLY_CURRENT=Y) or all (im.notify.read.all). The
 * list is re-read whenever the push channel says the person's notifications changed.
 */
export function NotificationPanel({ state, actions, onClose, onChanged }: { state: NotifyState; actions: BbHandlers; onClose(): void; onChanged(): void }) {
  const [error, setError] = useState('');
  const run = (method: string, params: Rec) =>
    rest(method, params).then(onChanged, (e) => setError(e instanceof ApiError ? e.description || e.code : String(e)));
  return (
    <Modal label="Notifications" onClose={onClose}>
      {error ? <div class="error" role="alert">{error}</div> : null}
      <div class="notify-head">
        <span class="muted">{state.unread ? `${state.unread} unread` : 'All read'}</span>
        <button type="button" disabled={!state.unread} onClick={() => void run('im.notify.read.all', {})}>Mark all as read</button>
      </div>
      <ul class="notify-list" role="list">
        {state.items.map((n) => {
          const unread = n.notify_read !== 'Y';
          const author = state.users[n.author_id];
          return (
            <li key={n.id} class={`notify ${unread ? 'unread' : ''}`} data-id={n.id}>
              <div class="notify-meta">
                <b>{author ? String(author.name ?? '') : 'System'}</b> <time dateTime={n.date}>{when(n.date)}</time>
              </div>
              {n.notify_title ? <div class="notify-title">{String(n.notify_title)}</div> : null}
              <div class="notify-text"><BbText text={String(n.text ?? '')} handlers={actions} /></div>
              {n.params?.ATTACH ? <Attachments attach={n.params.ATTACH} h={actions} /> : null}
              {buttonsOf(n).length ? (
                <div class="notify-buttons">
                  {buttonsOf(n).map((b) => (
                    <button key={b.VALUE} type="button" class={b.TYPE === 'accept' ? 'primary' : ''} onClick={() => void run('im.notify.confirm', { NOTIFY_ID: n.id, NOTIFY_VALUE: b.VALUE })}>{b.TITLE}</button>
                  ))}
                </div>
              ) : null}
              {unread ? <button type="button" class="notify-read" onClick={() => void run('im.notify.read', { ID: n.id, ONLY_CURRENT: 'Y' })}>Mark as read</button> : null}
            </li>
          );
        })}
        {state.items.length === 0 ? <li class="empty">No notifications.</li> : null}
      </ul>
    </Modal>
  );
}
