import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { rest, web } from './api.js';
import { BbText, bbPlain } from './bbcode.js';
import { subscribe, type ChatChange } from './push.js';
import { Attachments, Keyboard, Menu, type ButtonActions } from './rich.js';
import type { Me } from './main.js';

type Rec = Record<string, any>;

export interface RecentItem {
  id: string;
  chat_id: number;
  type: string;
  title: string;
  counter: number;
  message: Rec | null;
  avatar?: { color?: string };
  chat?: Rec | null;
  user?: Rec | null;
}

/** How long "typing…" shows after the last hint, as the portal's messenger does. */
const TYPING_MS = 15_000;

function dialogFromHash(): string | null {
  const m = /^#\/im\/([\w]+)$/.exec(location.hash);
  return m ? m[1] : null;
}

function fullName(u: Rec | undefined): string {
  if (!u) return '';
  return String(u.name ?? [u.first_name, u.last_name].filter(Boolean).join(' ') ?? '');
}

function timeOf(date: string): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function Messenger({ me }: { me: Me }) {
  const [recent, setRecent] = useState<RecentItem[]>([]);
  const [dialogId, setDialogId] = useState<string | null>(dialogFromHash());
  const [messages, setMessages] = useState<Rec[]>([]);
  const [users, setUsers] = useState<Record<number, Rec>>({});
  const [typing, setTyping] = useState<Record<number, number>>({});
  const [blocked, setBlocked] = useState<Record<number, boolean>>({});
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  const [picking, setPicking] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const current = useRef<{ dialogId: string | null; chatId: number | null }>({ dialogId, chatId: null });

  const loadRecent = useCallback(async () => {
    const r = await rest<{ items: RecentItem[] }>('im.recent.list', { LIMIT: 200 });
    setRecent(r.items.map((i) => ({ ...i, id: String(i.id) })));
  }, []);

  const loadDialog = useCallback(async (id: string) => {
    const r = await rest<{ messages: Rec[]; users: Rec[]; chat_id: number }>('im.dialog.messages.get', { DIALOG_ID: id, LIMIT: 50 });
    if (current.current.dialogId !== id) return;
    setMessages([...r.messages].reverse());
    setUsers((old) => ({ ...old, ...Object.fromEntries(r.users.map((u) => [u.id, u])) }));
    current.current.chatId = r.chat_id;
    if (r.messages.some((m) => m.unread)) await rest('im.dialog.read', { DIALOG_ID: id }).catch(() => undefined);
  }, []);

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  useEffect(() => {
    const onHash = () => setDialogId(dialogFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    current.current = { dialogId, chatId: null };
    setMessages([]);
    setTyping({});
    setError('');
    if (dialogId) loadDialog(dialogId).then(loadRecent).catch(fail);
  }, [dialogId]);

  useEffect(() => subscribe((c: ChatChange) => {
    const open = current.current;
    if (c.kind === 'typing') {
      if (c.chatId === open.chatId && c.userId) setTyping((t) => ({ ...t, [c.userId!]: Date.now() }));
      return;
    }
    // a dialog not loaded yet (a private chat that does not exist until its first message) reloads on any change
    if ((c.chatId === open.chatId || open.chatId === null) && open.dialogId && c.kind !== 'read') {
      // whoever wrote has stopped typing
      const author = c.userId;
      if (c.kind === 'message' && author) setTyping((t) => Object.fromEntries(Object.entries(t).filter(([id]) => Number(id) !== author)));
      loadDialog(open.dialogId).catch(fail);
    }
    loadRecent().catch(fail);
  }, () => {
    loadRecent().catch(fail);
    if (current.current.dialogId) loadDialog(current.current.dialogId).catch(fail);
  }), []);

  // "typing…" lapses on its own
  useEffect(() => {
    const ids = Object.keys(typing);
    if (!ids.length) return;
    const timer = setTimeout(() => setTyping((t) => Object.fromEntries(Object.entries(t).filter(([, at]) => Date.now() - at < TYPING_MS))), 1000);
    return () => clearTimeout(timer);
  }, [typing]);

  useEffect(() => {
    listRef.current?.scrollTo({ top: listRef.current.scrollHeight });
  }, [messages]);

  const item = recent.find((r) => r.id === dialogId);
  const textFieldEnabled = item?.chat?.text_field_enabled !== false;

  const send = async (text: string) => {
    if (!dialogId || !text.trim()) return;
    await rest('im.message.add', { DIALOG_ID: dialogId, MESSAGE: text });
    await loadDialog(dialogId);
  };

  const actions: ButtonActions = useMemo(() => ({
    // a COMMAND needs its message: MessageView binds it (see below)
    command: () => undefined,
    put: (text) => {
      setDraft(text);
      inputRef.current?.focus();
    },
    send: (text) => send(text).catch(fail),
    open: (id) => (location.hash = `#/im/${id}`),
    onOpen: (id) => (location.hash = `#/im/${id}`),
    onCommand: (kind, text) => (kind === 'send' ? send(text).catch(fail) : (setDraft(text), inputRef.current?.focus())),
  }), [dialogId]);

  const submit = async (e?: Event) => {
    e?.preventDefault();
    const text = draft;
    if (!text.trim()) return;
    setDraft('');
    try {
      await send(text);
    } catch (err) {
      setDraft(text);
      fail(err);
    }
  };

  const typingNames = Object.keys(typing).map((id) => fullName(users[Number(id)]) || recent.find((r) => r.id === id)?.title || `#${id}`);

  return (
    <div class={`messenger ${dialogId ? 'has-dialog' : ''}`}>
      <aside class="sidebar" aria-label="Chats">
        <div class="sidebar-head">
          <button type="button" class="primary" onClick={() => setPicking(true)}>New chat</button>
        </div>
        <ul class="recent" role="list">
          {recent.map((r) => (
            <li key={r.id}>
              <a href={`#/im/${r.id}`} class={`recent-item ${r.id === dialogId ? 'active' : ''}`} data-dialog={r.id} aria-current={r.id === dialogId ? 'page' : undefined}>
                <span class="avatar" style={{ background: r.avatar?.color || '#8e9aab' }} aria-hidden="true">{(r.title || '?').slice(0, 1)}</span>
                <span class="recent-body">
                  <span class="recent-title">{r.title}</span>
                  <span class="recent-last">{r.message ? bbPlain(String(r.message.text ?? '')) : ''}</span>
                </span>
                {r.counter > 0 ? <span class="counter" aria-label={`${r.counter} unread`}>{r.counter}</span> : null}
              </a>
            </li>
          ))}
          {recent.length === 0 ? <li class="empty">No chats yet: start one with “New chat”.</li> : null}
        </ul>
      </aside>
      <main class="chat" aria-label="Chat">
        {!dialogId ? (
          <div class="placeholder">Choose a chat, or start a new one.</div>
        ) : (
          <>
            <header class="chat-head">
              <a href="#/" class="back" aria-label="Back to chats">‹</a>
              <h2>{item?.title ?? dialogId}</h2>
            </header>
            <div class="messages" ref={listRef} role="log" aria-live="polite">
              {messages.map((m) => (
                <MessageView key={m.id} m={m} me={me} author={users[m.author_id]} actions={{ ...actions, command: (b, c, p) => rest('im.message.command', { MESSAGE_ID: m.id, BOT_ID: b, COMMAND: c, COMMAND_PARAMS: p }).catch(fail) }} blocked={!!blocked[m.id]} onBlock={() => setBlocked((x) => ({ ...x, [m.id]: true }))} />
              ))}
            </div>
            <div class="typing" aria-live="polite">{typingNames.length ? `${typingNames.join(', ')} ${typingNames.length > 1 ? 'are' : 'is'} typing…` : ''}</div>
            {error ? <div class="error" role="alert">{error}</div> : null}
            <form class="composer" onSubmit={submit}>
              <textarea
                ref={inputRef}
                aria-label="Message"
                placeholder={textFieldEnabled ? 'Write a message…' : 'Writing is turned off in this chat'}
                disabled={!textFieldEnabled}
                value={draft}
                rows={1}
                onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && !e.shiftKey) {
                    e.preventDefault();
                    void submit();
                  }
                }}
              />
              <button type="submit" class="primary" disabled={!textFieldEnabled || !draft.trim()}>Send</button>
            </form>
          </>
        )}
      </main>
      {picking ? <NewChat onClose={() => setPicking(false)} onOpen={(id) => { setPicking(false); location.hash = `#/im/${id}`; }} /> : null}
    </div>
  );
}

function MessageView({ m, me, author, actions, blocked, onBlock }: { m: Rec; me: Me; author?: Rec; actions: ButtonActions; blocked: boolean; onBlock(): void }) {
  const params: Rec = Array.isArray(m.params) ? {} : (m.params ?? {});
  const system = m.author_id === 0 || params.IS_DELETED === 'Y' && !m.text ? m.author_id === 0 : false;
  const deleted = params.IS_DELETED === 'Y';
  const mine = m.author_id === me.id;
  return (
    <article class={`message ${mine ? 'mine' : ''} ${system ? 'system' : ''} ${deleted ? 'deleted' : ''}`} data-id={m.id} data-author={m.author_id}>
      {!system ? <div class="msg-author">{fullName(author) || `#${m.author_id}`}{author?.bot ? <span class="bot-badge">bot</span> : null}</div> : null}
      <div class="msg-text">{deleted ? <i>This message was deleted.</i> : <BbText text={String(m.text ?? '')} handlers={actions} />}</div>
      {!deleted && params.ATTACH ? <Attachments attach={params.ATTACH} h={actions} /> : null}
      {!deleted && params.KEYBOARD ? <Keyboard buttons={params.KEYBOARD} actions={actions} blocked={blocked} onBlock={onBlock} /> : null}
      <div class="msg-meta">
        {params.IS_EDITED === 'Y' && !deleted ? <span class="edited">edited</span> : null}
        <time dateTime={m.date}>{timeOf(m.date)}</time>
        {!deleted && params.MENU ? <Menu items={params.MENU} actions={actions} /> : null}
      </div>
    </article>
  );
}

function NewChat({ onClose, onOpen }: { onClose(): void; onOpen(dialogId: string): void }) {
  const [contacts, setContacts] = useState<Rec[]>([]);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    web<{ contacts: Rec[] }>('contacts').then((r) => setContacts(r.contacts), (e) => setError(e.message));
  }, []);
  const shown = contacts.filter((u) => String(u.name).toLowerCase().includes(filter.toLowerCase()));
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label="New chat" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2>New chat</h2>
        <input type="search" placeholder="Find a person or a bot" aria-label="Find a person or a bot" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} autoFocus />
        {error ? <div class="error" role="alert">{error}</div> : null}
        <ul class="people" role="list">
          {shown.map((u) => (
            <li key={u.id}><button type="button" class="person" data-user={u.id} onClick={() => onOpen(String(u.id))}>{u.name}{u.bot ? <span class="bot-badge">bot</span> : null}</button></li>
          ))}
        </ul>
        <div class="dialog-actions"><button type="button" onClick={onClose}>Close</button></div>
      </div>
    </div>
  );
}
