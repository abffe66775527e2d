import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { rest, web } from './api.js';
import { ClipIcon } from './icons.js';

/** How often typing is announced while one keeps typing. */
const TYPING_EVERY_MS = 5000;

interface Command {
  botId: number;
  command: string;
  title: string;
  params: string;
}

/** A chat app of the input area (`/__web/apps`, src/bots/chat-app-panel.ts). */
interface ChatApp {
  id: number;
  title: string;
  description: string;
  action: { kind: 'send' | 'put' | 'call'; value: string } | { kind: 'iframe'; url: string; width: number; height: number; popup: boolean } | { kind: 'unsupported' };
}

export interface ComposerProps {
  dialogId: string;
  draft: string;
  setDraft(text: string): void;
  enabled: boolean;
  inputRef: Ref<HTMLTextAreaElement>;
  onSend(text: string): Promise<void>;
  onFile(file: File): Promise<void>;
  replyTo: { id: number; author: string; text: string } | null;
  onCancelReply(): void;
}

/**
 * The message input. Typing "/" lists the chat's commands (hidden ones excluded); arrows move,
 * Enter or Tab picks: a command that takes parameters is put into the input, one without is sent
 * at once — either way the bot gets it as ONIMCOMMANDADD, as when typed on a portal.
 */
export function Composer(p: ComposerProps) {
  const [commands, setCommands] = useState<Command[]>([]);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const lastTyping = useRef(0);
  const [apps, setApps] = useState<ChatApp[]>([]);
  const [frame, setFrame] = useState<(ChatApp['action'] & { kind: 'iframe' }) & { title: string } | null>(null);

  useEffect(() => {
    setCommands([]);
    setApps([]);
    setFrame(null);
    web<{ commands: Command[] }>(`commands?dialog=${encodeURIComponent(p.dialogId)}`).then((r) => setCommands(r.commands), () => undefined);
    web<{ apps: ChatApp[] }>(`apps?dialog=${encodeURIComponent(p.dialogId)}`).then((r) => setApps(r.apps), () => undefined);
  }, [p.dialogId]);

  /** What the portal's messenger does with an app button: BXIM.sendMessage / putMessage / phoneTo, or the IFRAME page. */
  const runApp = (a: ChatApp) => {
    const act = a.action;
    if (act.kind === 'send') void p.onSend(act.value);
    else if (act.kind === 'put') p.setDraft(act.value);
    else if (act.kind === 'call') location.href = `tel:${act.value.replace(/[^\d+#]/g, '')}`;
    else if (act.kind === 'iframe') setFrame({ ...act, title: a.title });
  };

  const typed = /^\/(\S*)$/.exec(p.draft)?.[1];
  const matches = typed === undefined || closed ? [] : commands.filter((c) => c.command.toLowerCase().startsWith(typed.toLowerCase()));
  const choose = (c: Command) => {
    if (c.params) p.setDraft(`/${c.command} `);
    else {
      p.setDraft('');
      void p.onSend(`/${c.command}`);
    }
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    if (p.draft.trim()) void p.onSend(p.draft);
  };

  return (
    <div class="composer-wrap">
      {matches.length ? (
        <ul class="slash" role="listbox" aria-label="Commands">
          {matches.map((c, i) => (
            <li key={`${c.botId}-${c.command}`} role="option" aria-selected={i === active} class={i === active ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); choose(c); }}>
              <b>/{c.command}</b> {c.params ? <span class="muted">{c.params}</span> : null} <span class="slash-title">{c.title}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {p.replyTo ? (
        <div class="replying">
          <span>Reply to <b>{p.replyTo.author}</b>: {p.replyTo.text}</span>
          <button type="button" aria-label="Cancel reply" onClick={p.onCancelReply}>×</button>
        </div>
      ) : null}
      {frame ? (
        <div class="app-frame" role="dialog" aria-label={frame.title}>
          <div class="app-frame-head"><b>{frame.title}</b><button type="button" aria-label="Close app" onClick={() => setFrame(null)}>×</button></div>
          <iframe title={frame.title} src={frame.url} width={frame.width} height={frame.height} sandbox="allow-scripts allow-forms allow-popups allow-same-origin" />
        </div>
      ) : null}
      {apps.length ? (
        <div class="apps" role="toolbar" aria-label="Chat apps">
          {apps.map((a) => (
            <button key={a.id} type="button" class="app-button" data-app={a.id} title={a.description || a.title} disabled={!p.enabled || a.action.kind === 'unsupported'} onClick={() => runApp(a)}>{a.title}</button>
          ))}
        </div>
      ) : null}
      <form class="composer" onSubmit={submit}>
        <label class={`attach-file ${p.enabled ? '' : 'disabled'}`} title="Send a file">
          <ClipIcon />
          <input
            type="file"
            aria-label="Send a file"
            disabled={!p.enabled}
            onChange={(e) => {
              const input = e.target as HTMLInputElement;
              const file = input.files?.[0];
              input.value = '';
              if (file) void p.onFile(file);
            }}
          />
        </label>
        <textarea
          ref={p.inputRef}
          aria-label="Message"
          placeholder={p.enabled ? 'Write a message… ("/" for commands)' : 'Writing is turned off in this chat'}
          disabled={!p.enabled}
          value={p.draft}
          rows={1}
          onInput={(e) => {
            const value = (e.target as HTMLTextAreaElement).value;
            p.setDraft(value);
            // tell the others "typing…" now and then, as the portal's messenger does (im.dialog.writing)
            if (value && !value.startsWith('/') && Date.now() - lastTyping.current > TYPING_EVERY_MS) {
              lastTyping.current = Date.now();
              rest('im.dialog.writing', { DIALOG_ID: p.dialogId }).catch(() => undefined);
            }
            setActive(0);
            setClosed(false);
          }}
          onKeyDown={(e) => {
            if (matches.length) {
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
                return;
              }
              if (e.key === 'Enter' || e.key === 'Tab') {
                e.preventDefault();
                choose(matches[Math.min(active, matches.length - 1)]);
                return;
              }
              if (e.key === 'Escape') {
                setClosed(true);
                return;
              }
            }
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="primary" disabled={!p.enabled || !p.draft.trim()}>Send</button>
      </form>
    </div>
  );
}
