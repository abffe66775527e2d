import { useEffect, useState } from 'preact/hooks';
import { ApiError, rest, web } from './api.js';
import type { Me } from './api.js';

interface Contact {
  id: number;
  name: string;
  bot: boolean;
}

function useContacts(): [Contact[], string] {
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    web<{ contacts: Contact[] }>('contacts').then((r) => setContacts(r.contacts), (e) => setError(e.message));
  }, []);
  return [contacts, error];
}

const message = (e: unknown) => (e instanceof ApiError ? e.description || e.code : String(e));

export function Modal({ label, onClose, children }: { label: string; onClose(): void; children: preact.ComponentChildren }) {
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label={label} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2>{label}</h2>
        {children}
        <div class="dialog-actions"><button type="button" onClick={onClose}>Close</button></div>
      </div>
    </div>
  );
}

/** "New chat": a private chat with a person or a bot, or a group chat with a title and members. */
export function NewChat({ onClose, onOpen }: { onClose(): void; onOpen(dialogId: string): void }) {
  const [contacts, error] = useContacts();
  const [filter, setFilter] = useState('');
  const [group, setGroup] = useState(false);
  const [title, setTitle] = useState('');
  const [picked, setPicked] = useState<number[]>([]);
  const [failure, setFailure] = useState('');
  const shown = contacts.filter((u) => u.name.toLowerCase().includes(filter.toLowerCase()));
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const id = await rest<number>('im.chat.add', { TITLE: title, USERS: picked });
      onOpen(`chat${id}`);
    } catch (err) {
      setFailure(message(err));
    }
  };
  return (
    <Modal label="New chat" onClose={onClose}>
      <div class="row" role="radiogroup" aria-label="Kind of chat">
        <label><input type="radio" name="kind" checked={!group} onChange={() => setGroup(false)} /> Private</label>
        <label><input type="radio" name="kind" checked={group} onChange={() => setGroup(true)} /> Group</label>
      </div>
      {group ? <input aria-label="Chat title" placeholder="Chat title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /> : null}
      <input type="search" placeholder="Find a person or a bot" aria-label="Find a person or a bot" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} autoFocus />
      {error || failure ? <div class="error" role="alert">{error || failure}</div> : null}
      <ul class="people" role="list">
        {shown.map((u) => (
          <li key={u.id}>
            {group ? (
              <label class="person">
                <input type="checkbox" checked={picked.includes(u.id)} onChange={(e) => setPicked((p) => ((e.target as HTMLInputElement).checked ? [...p, u.id] : p.filter((x) => x !== u.id)))} />
                {' '}{u.name}{u.bot ? <span class="bot-badge">bot</span> : null}
              </label>
            ) : (
              <button type="button" class="person" data-user={u.id} onClick={() => onOpen(String(u.id))}>{u.name}{u.bot ? <span class="bot-badge">bot</span> : null}</button>
            )}
          </li>
        ))}
      </ul>
      {group ? <form onSubmit={create}><button type="submit" class="primary" disabled={!picked.length}>Create group chat</button></form> : null}
    </Modal>
  );
}

/** A group chat's members: rename the chat, add and remove members (bots included), leave. */
export function Members({ chatId, title, me, onClose, onLeft }: { chatId: number; title: string; me: Me; onClose(): void; onLeft(): void }) {
  const [contacts, error] = useContacts();
  const [members, setMembers] = useState<number[]>([]);
  const [name, setName] = useState(title);
  const [adding, setAdding] = useState('');
  const [failure, setFailure] = useState('');
  const load = () => rest<number[]>('im.chat.user.list', { CHAT_ID: chatId }).then((ids) => setMembers(ids.map(Number)), (e) => setFailure(message(e)));
  useEffect(() => void load(), [chatId]);
  const act = (fn: () => Promise<unknown>) => fn().then(() => { setFailure(''); return load(); }, (e) => setFailure(message(e)));
  const nameOf = (id: number) => (id === me.id ? `${me.name} ${me.last_name}`.trim() : contacts.find((c) => c.id === id)?.name ?? `#${id}`);
  const outside = contacts.filter((c) => !members.includes(c.id));
  return (
    <Modal label="Chat settings" onClose={onClose}>
      {error || failure ? <div class="error" role="alert">{error || failure}</div> : null}
      <form class="row" onSubmit={(e) => { e.preventDefault(); void act(() => rest('im.chat.updateTitle', { CHAT_ID: chatId, TITLE: name })); }}>
        <input aria-label="Chat title" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit">Rename</button>
      </form>
      <h3>Members</h3>
      <ul class="people members" role="list">
        {members.map((id) => (
          <li key={id} class="member" data-user={id}>
            <span>{nameOf(id)}</span>
            {id === me.id ? (
              <button type="button" onClick={() => rest('im.chat.leave', { CHAT_ID: chatId }).then(onLeft, (e) => setFailure(message(e)))}>Leave</button>
            ) : (
              <button type="button" aria-label={`Remove ${nameOf(id)}`} onClick={() => act(() => rest('im.chat.user.delete', { CHAT_ID: chatId, USER_ID: id }))}>Remove</button>
            )}
          </li>
        ))}
      </ul>
      <form class="row" onSubmit={(e) => { e.preventDefault(); if (adding) void act(() => rest('im.chat.user.add', { CHAT_ID: chatId, USERS: [Number(adding)] })); }}>
        <select aria-label="Person or bot to add" value={adding} onChange={(e) => setAdding((e.target as HTMLSelectElement).value)}>
          <option value="">Add a person or a bot…</option>
          {outside.map((c) => <option key={c.id} value={String(c.id)}>{c.name}{c.bot ? ' (bot)' : ''}</option>)}
        </select>
        <button type="submit" disabled={!adding}>Add</button>
      </form>
    </Modal>
  );
}
