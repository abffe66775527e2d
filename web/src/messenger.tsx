import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, rest, web } from './api.js';
import { BbText, bbPlain } from './bbcode.js';
import { Composer } from './composer.js';
import { FileView, readBase64 } from './files.js';
import type { Me } from './api.js';
import { Members, NewChat } from './members.js';
import { subscribe, type ChatChange } from './push.js';
import { Attachments, Keyboard, Menu, type ButtonActions } from './rich.js';
import { ThumbIcon } from './icons.js';
import { EMPTY_NOTIFY, loadNotifications, NotificationPanel, type NotifyState } from './notifications.js';

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
  const m = /^#\/im\/(\w+)$/.exec(location.hash);
  return m ? m[1] : null;
}

function fullName(u: Rec | undefined): string {
  if (!u) return '';
  return String(u.name ?? [u.first_name, u.last_name].filter(Boolean).join(' '));
}

function timeOf(date: string): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const paramsOf = (m: Rec): Rec => (Array.isArray(m.params) || !m.params ? {} : m.params);
const idList = (v: unknown): number[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []).map(Number);

export function Messenger({ me }: { me: Me }) {
  const [recent, setRecent] = useState<RecentItem[]>([]);
  const [dialogId, setDialogId] = useState<string | null>(dialogFromHash());
  const [messages, setMessages] = useState<Rec[]>([]);
  const [users, setUsers] = useState<Record<number, Rec>>({});
  const [typing, setTyping] = useState<Record<number, number>>({});
  const [blocked, setBlocked] = useState<Record<number, boolean>>({});
  const [draft, setDraft] = useState('');
  const [replyTo, setReplyTo] = useState<{ id: number; author: string; text: string } | null>(null);
  const [error, setError] = useState('');
  const [modal, setModal] = useState<'new' | 'members' | 'notify' | null>(null);
  const [notify, setNotify] = useState<NotifyState>(EMPTY_NOTIFY);
  /** reactions other than the like, per message: code → count (im.dialog.messages.search) */
  const [reactions, setReactions] = useState<Record<number, { code: string; count: number; mine: boolean }[]>>({});
  const [appFrame, setAppFrame] = useState<{ title: string; url: string; width: number; height: number } | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const current = useRef<{ dialogId: string | null; chatId: number | null }>({ dialogId, chatId: null });

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  const loadRecent = useCallback(async () => {
    const r = await rest<{ items: RecentItem[] }>('im.recent.list', { LIMIT: 200 });
    setRecent(r.items.map((i) => ({ ...i, id: String(i.id) })));
  }, []);

  const loadDialog = useCallback(async (id: string) => {
    const r = await rest<{ messages: Rec[]; users: Rec[]; chat_id: number }>('im.dialog.messages.get', { DIALOG_ID: id, LIMIT: 50 });
    if (current.current.dialogId !== id) return;
    setMessages([...r.messages].reverse());
    setUsers((old) => ({ ...old, ...Object.fromEntries(r.users.map((u) => [u.id, u])) }));
    current.current.chatId = r.chat_id || null;
    // forwarded copies name the original's author (FORWARD_USER_ID): their cards too
    const known = new Set(r.users.map((u) => Number(u.id)));
    const forwarded = [...new Set(r.messages.map((m) => Number(paramsOf(m).FORWARD_USER_ID)).filter((uid) => uid > 0 && !known.has(uid)))];
    if (forwarded.length) {
      void rest<Record<string, Rec>>('im.user.list.get', { ID: forwarded }).then((found) => setUsers((old) => ({ ...old, ...Object.fromEntries(Object.values(found ?? {}).filter(Boolean).map((u) => [u.id, u])) })), () => undefined);
    }
    // reactions bots set (the v2 set) come with im.dialog.messages.search; a person can only like
    if (r.chat_id) {
      void rest<Rec>('im.dialog.messages.search', { CHAT_ID: r.chat_id, LIMIT: 50 }).then((found) => {
        if (current.current.dialogId !== id) return;
        const next: Record<number, { code: string; count: number; mine: boolean }[]> = {};
        for (const x of (found?.reactions ?? []) as Rec[]) {
          const own = new Set<string>(x.ownReactions ?? []);
          next[x.messageId] = Object.entries(x.reactionCounters ?? {}).filter(([code]) => code !== 'like').map(([code, count]) => ({ code, count: Number(count), mine: own.has(code) }));
        }
        setReactions(next);
      }, () => undefined);
    }
    if (r.messages.some((m) => m.unread)) await rest('im.dialog.read', { DIALOG_ID: id }).catch(() => undefined);
  }, []);

  useEffect(() => {
    const onHash = () => setDialogId(dialogFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    current.current = { dialogId, chatId: null };
    setMessages([]);
    setReactions({});
    setAppFrame(null);
    setTyping({});
    setReplyTo(null);
    setError('');
    if (dialogId) loadDialog(dialogId).then(loadRecent).catch(fail);
    else loadRecent().catch(fail);
  }, [dialogId]);

  const refreshNotify = useCallback(() => void loadNotifications().then(setNotify, () => undefined), []);

  useEffect(() => subscribe((c: ChatChange) => {
    const open = current.current;
    if (c.kind === 'notify') {
      refreshNotify();
      return;
    }
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
    refreshNotify();
    loadRecent().catch(fail);
    if (current.current.dialogId) loadDialog(current.current.dialogId).catch(fail);
  }), []);

  // "typing…" lapses on its own
  useEffect(() => {
    if (!Object.keys(typing).length) return;
    const timer = setTimeout(() => setTyping((t) => Object.fromEntries(Object.entries(t).filter(([, at]) => Date.now() - at < TYPING_MS))), 1000);
    return () => clearTimeout(timer);
  }, [typing]);

  useEffect(() => {
    listRef.current?.scrollTo({ top: listRef.current.scrollHeight });
  }, [messages]);

  const item = recent.find((r) => r.id === dialogId);
  const textFieldEnabled = item?.chat?.text_field_enabled !== false;
  const isGroup = !!dialogId?.startsWith('chat');

  const send = async (text: string) => {
    if (!dialogId || !text.trim()) return;
    const reply = replyTo;
    setDraft('');
    setReplyTo(null);
    try {
      await rest('im.message.add', { DIALOG_ID: dialogId, MESSAGE: text, ...(reply ? { REPLY_ID: reply.id } : {}) });
      await loadDialog(dialogId);
    } catch (err) {
      setDraft(text);
      setReplyTo(reply);
      fail(err);
    }
  };

  const upload = async (file: File) => {
    if (!dialogId) return;
    try {
      await rest('im.v2.File.upload', { dialogId, fields: { name: file.name, content: await readBase64(file) } });
      await loadDialog(dialogId);
    } catch (err) {
      fail(err);
    }
  };

  const open = (id: string) => (location.hash = `#/im/${id}`);
  /** An APP_ID button: the app it names, opened as the portal's messenger opens it (docs/WEB.md). */
  const openApp = async (messageId: number, appId: number) => {
    if (!dialogId) return;
    try {
      const { app } = await web<{ app: { title: string; action: Rec } }>(`app-button?dialog=${encodeURIComponent(dialogId)}&message=${messageId}&app=${appId}`);
      const act = app.action;
      if (act.kind === 'send') await send(String(act.value));
      else if (act.kind === 'put') {
        setDraft(String(act.value));
        inputRef.current?.focus();
      } else if (act.kind === 'call') location.href = `tel:${String(act.value).replace(/[^\d+#]/g, '')}`;
      else if (act.kind === 'iframe') setAppFrame({ title: app.title, url: String(act.url), width: Number(act.width), height: Number(act.height) });
      else setError(`“${app.title}” cannot run here`);
    } catch (err) {
      fail(err instanceof ApiError ? new Error(err.description || err.code) : err);
    }
  };
  const actions = (messageId: number): ButtonActions => ({
    command: (botId, command, params) => void rest('im.message.command', { MESSAGE_ID: messageId, BOT_ID: botId, COMMAND: command, COMMAND_PARAMS: params }).catch(fail),
    put: (text) => {
      setDraft(text);
      inputRef.current?.focus();
    },
    send: (text) => void send(text),
    open,
    app: (appId) => void openApp(messageId, appId),
    onOpen: open,
    onCommand: (kind, text) => (kind === 'send' ? void send(text) : (setDraft(text), inputRef.current?.focus())),
  });

  const typingNames = Object.keys(typing).map((id) => fullName(users[Number(id)]) || (item?.id === id ? item.title : `#${id}`));
  const byId = new Map(messages.map((m) => [m.id, m]));

  return (
    <div class={`messenger ${dialogId ? 'has-dialog' : ''}`}>
      <aside class="sidebar" aria-label="Chats">
        <div class="sidebar-head">
          <button type="button" class="primary" onClick={() => setModal('new')}>New chat</button>
          <button type="button" class="notify-open" aria-label={notify.unread ? `Notifications, ${notify.unread} unread` : 'Notifications'} onClick={() => setModal('notify')}>
            Notifications{notify.unread ? <span class="counter" data-testid="notify-counter">{notify.unread}</span> : null}
          </button>
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
              {isGroup && current.current.chatId ? <button type="button" class="chat-settings" onClick={() => setModal('members')}>Members</button> : null}
            </header>
            <div class="messages" ref={listRef} role="log" aria-live="polite">
              {messages.map((m) => (
                <MessageView
                  key={m.id}
                  m={m}
                  me={me}
                  dialogId={dialogId}
                  author={users[m.author_id]}
                  replied={byId.get(Number(paramsOf(m).REPLY_ID))}
                  users={users}
                  actions={actions(m.id)}
                  blocked={!!blocked[m.id]}
                  onBlock={() => setBlocked((x) => ({ ...x, [m.id]: true }))}
                  onReply={() => {
                    setReplyTo({ id: m.id, author: fullName(users[m.author_id]) || `#${m.author_id}`, text: bbPlain(String(m.text ?? '')).slice(0, 80) });
                    inputRef.current?.focus();
                  }}
                  onLike={() => void rest('im.message.like', { MESSAGE_ID: m.id }).then(() => loadDialog(dialogId), fail)}
                  reactions={reactions[m.id] ?? []}
                />
              ))}
            </div>
            {appFrame ? (
              <div class="app-frame" role="dialog" aria-label={appFrame.title}>
                <div class="app-frame-head"><b>{appFrame.title}</b><button type="button" aria-label="Close app" onClick={() => setAppFrame(null)}>×</button></div>
                <iframe title={appFrame.title} src={appFrame.url} width={appFrame.width} height={appFrame.height} sandbox="allow-scripts allow-forms allow-popups allow-same-origin" />
              </div>
            ) : null}
            <div class="typing" aria-live="polite">{typingNames.length ? `${typingNames.join(', ')} ${typingNames.length > 1 ? 'are' : 'is'} typing…` : ''}</div>
            {error ? <div class="error" role="alert">{error}</div> : null}
            <Composer
              dialogId={dialogId}
              draft={draft}
              setDraft={setDraft}
              enabled={textFieldEnabled}
              inputRef={inputRef}
              onSend={send}
              onFile={upload}
              replyTo={replyTo}
              onCancelReply={() => setReplyTo(null)}
            />
          </>
        )}
      </main>
      {modal === 'notify' ? <NotificationPanel state={notify} actions={{ onOpen: (id) => { setModal(null); open(id); } }} onClose={() => setModal(null)} onChanged={refreshNotify} /> : null}
      {modal === 'new' ? <NewChat onClose={() => setModal(null)} onOpen={(id) => { setModal(null); open(id); }} /> : null}
      {modal === 'members' && current.current.chatId ? (
        <Members chatId={current.current.chatId} title={item?.title ?? ''} me={me} onClose={() => setModal(null)} onLeft={() => { setModal(null); location.hash = '#/'; }} />
      ) : null}
    </div>
  );
}

interface MessageProps {
  m: Rec;
  me: Me;
  dialogId: string;
  author?: Rec;
  replied?: Rec;
  users: Record<number, Rec>;
  actions: ButtonActions;
  blocked: boolean;
  onBlock(): void;
  onReply(): void;
  onLike(): void;
  /** reactions other than the like (set by bots; a person has no method to set them) */
  reactions: { code: string; count: number; mine: boolean }[];
}

/** A reaction code (camelCase, e.g. `faceWithTearsOfJoy`) as words: no emoji font is assumed. */
const reactionName = (code: string) => code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function MessageView({ m, me, dialogId, author, replied, users, actions, blocked, onBlock, onReply, onLike, reactions }: MessageProps) {
  const params = paramsOf(m);
  const system = m.author_id === 0;
  const deleted = params.IS_DELETED === 'Y';
  const mine = m.author_id === me.id;
  const likes = idList(params.LIKE);
  const files = idList(params.FILE_ID);
  return (
    <article class={`message ${mine ? 'mine' : ''} ${system ? 'system' : ''} ${deleted ? 'deleted' : ''}`} data-id={m.id} data-author={m.author_id}>
      {!system ? <div class="msg-author">{fullName(author) || `#${m.author_id}`}{author?.bot ? <span class="bot-badge">bot</span> : null}</div> : null}
      {params.FORWARD_ID && !deleted ? (
        <div class="forwarded" data-forward={params.FORWARD_ID} data-forward-context={params.FORWARD_CONTEXT_ID}>
          Forwarded from <b>{Number(params.FORWARD_USER_ID) > 0 ? fullName(users[Number(params.FORWARD_USER_ID)]) || `#${params.FORWARD_USER_ID}` : 'a system message'}</b>
        </div>
      ) : null}
      {params.REPLY_ID && !deleted ? (
        <blockquote class="reply-quote" data-reply={params.REPLY_ID}>
          {replied ? <><b>{fullName(users[replied.author_id]) || `#${replied.author_id}`}</b> {bbPlain(String(replied.text ?? '')).slice(0, 120)}</> : 'An earlier message'}
        </blockquote>
      ) : null}
      <div class="msg-text">{deleted ? <i>This message was deleted.</i> : <BbText text={String(m.text ?? '')} handlers={actions} />}</div>
      {!deleted ? files.map((id) => <FileView key={id} fileId={id} dialogId={dialogId} />) : null}
      {!deleted && params.ATTACH ? <Attachments attach={params.ATTACH} h={actions} /> : null}
      {!deleted && params.KEYBOARD ? <Keyboard buttons={params.KEYBOARD} actions={actions} blocked={blocked} onBlock={onBlock} /> : null}
      <div class="msg-meta">
        {!deleted && !system ? (
          <>
            <button type="button" class={`like ${likes.includes(me.id) ? 'liked' : ''}`} aria-pressed={likes.includes(me.id)} aria-label="Like" onClick={onLike}><ThumbIcon />{likes.length ? ` ${likes.length}` : ''}</button>
            <button type="button" class="reply" aria-label="Reply" onClick={onReply}>↩</button>
          </>
        ) : null}
        {!deleted && reactions.length ? (
          <span class="reactions" aria-label="Reactions">
            {reactions.map((r) => <span key={r.code} class={`reaction ${r.mine ? 'mine' : ''}`} data-reaction={r.code} title={r.code}>{reactionName(r.code)} {r.count}</span>)}
          </span>
        ) : null}
        {params.IS_EDITED === 'Y' && !deleted ? <span class="edited">edited</span> : null}
        <time dateTime={m.date}>{timeOf(m.date)}</time>
        {!deleted && params.MENU ? <Menu items={params.MENU} actions={actions} /> : null}
      </div>
    </article>
  );
}
