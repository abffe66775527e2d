import { BbText, type BbHandlers } from './bbcode.js';

/** What a click on a KEYBOARD button or MENU item does; the messenger supplies it. */
export interface ButtonActions extends BbHandlers {
  command(botId: number, command: string, params: string): void;
  put(text: string): void;
  send(text: string): void;
  open(dialogId: string): void;
  /** an APP_ID button: open that chat app (with the button's APP_PARAMS) */
  app(appId: number): void;
}

type Rec = Record<string, any>;

/** MENU texts and button LINKs are stored HTML-escaped, as the portal keeps them; shown as text. */
const unescape = (v: unknown) => String(v ?? '').replace(/&(amp|lt|gt|quot|#0?39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"' } as Record<string, string>)[e] ?? "'");

const asList = (v: unknown): Rec[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v as Rec) : []);
const hex = (v: unknown) => (typeof v === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(v) ? v : undefined);
const href = (v: unknown) => (typeof v === 'string' && /^(https?:|mailto:|tel:|\/)/i.test(v) ? v : undefined);

function sizeText(bytes: unknown): string {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n <= 0) return '';
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function AttachBlock({ block, h }: { block: Rec; h: BbHandlers }) {
  if (block.MESSAGE !== undefined) return <div class="att-message"><BbText text={String(block.MESSAGE)} handlers={h} /></div>;
  if (block.DELIMITER !== undefined) {
    const d = block.DELIMITER as Rec;
    return <hr class="att-delimiter" style={{ width: d.SIZE ? `${Number(d.SIZE)}px` : undefined, borderColor: hex(d.COLOR) }} />;
  }
  if (block.USER) {
    return <>{asList(block.USER).map((u, i) => (
      <div key={i} class="att-user">
        {href(u.AVATAR) ? <img class="att-avatar" src={href(u.AVATAR)} alt="" /> : <span class="att-avatar att-avatar-empty" aria-hidden="true">{String(u.NAME ?? '?').slice(0, 1)}</span>}
        {href(u.LINK) ? <a href={href(u.LINK)} target="_blank" rel="noopener noreferrer">{u.NAME}</a> : <span>{u.NAME}</span>}
      </div>
    ))}</>;
  }
  if (block.LINK || block.RICH_LINK) {
    return <>{asList(block.LINK ?? block.RICH_LINK).map((l, i) => (
      <div key={i} class="att-link">
        {href(l.LINK) ? <a href={href(l.LINK)} target="_blank" rel="noopener noreferrer">{l.NAME || l.LINK}</a> : <b>{l.NAME}</b>}
        {l.DESC ? <div class="att-desc">{String(l.DESC)}</div> : null}
        {href(l.PREVIEW) ? <img class="att-preview" src={href(l.PREVIEW)} alt="" /> : null}
      </div>
    ))}</>;
  }
  if (block.GRID) {
    return (
      <div class="att-grid">
        {asList(block.GRID).map((g, i) => (
          <div key={i} class={`att-grid-item att-grid-${String(g.DISPLAY ?? 'BLOCK').toLowerCase()}`} style={{ width: g.WIDTH && g.DISPLAY !== 'BLOCK' ? `${Number(g.WIDTH)}px` : undefined }}>
            {g.NAME ? <div class="att-grid-name">{String(g.NAME)}</div> : null}
            <div class="att-grid-value" style={{ color: hex(g.COLOR) }}>
              {href(g.LINK) ? <a href={href(g.LINK)} target="_blank" rel="noopener noreferrer"><BbText text={String(g.VALUE ?? '')} handlers={h} /></a> : <BbText text={String(g.VALUE ?? '')} handlers={h} />}
            </div>
          </div>
        ))}
      </div>
    );
  }
  if (block.IMAGE) {
    return <div class="att-images">{asList(block.IMAGE).map((img, i) => (
      <a key={i} href={href(img.LINK)} target="_blank" rel="noopener noreferrer"><img class="att-image" src={href(img.PREVIEW) ?? href(img.LINK)} alt={String(img.NAME ?? '')} /></a>
    ))}</div>;
  }
  if (block.FILE) {
    return <>{asList(block.FILE).map((f, i) => (
      <div key={i} class="att-file"><a href={href(f.LINK)} target="_blank" rel="noopener noreferrer">{f.NAME || f.LINK}</a> <span class="att-size">{sizeText(f.SIZE)}</span></div>
    ))}</>;
  }
  return null;
}

/** ATTACH: each attach a card with its colour on the left, blocks in order. */
export function Attachments({ attach, h }: { attach: unknown; h: BbHandlers }) {
  return <>{asList(attach).map((a, i) => (
    <div key={i} class="attach" style={{ borderLeftColor: hex(a.COLOR) }} data-testid="attach">
      {asList(a.BLOCKS).map((b, j) => <AttachBlock key={j} block={b} h={h} />)}
    </div>
  ))}</>;
}

function runButton(b: Rec, a: ButtonActions): void {
  if (b.COMMAND) a.command(Number(b.BOT_ID), String(b.COMMAND), String(b.COMMAND_PARAMS ?? ''));
  else if (b.LINK) window.open(unescape(b.LINK), '_blank', 'noopener');
  else if (b.APP_ID) a.app(Number(b.APP_ID));
  else if (b.ACTION === 'PUT') a.put(String(b.ACTION_VALUE));
  else if (b.ACTION === 'SEND') a.send(String(b.ACTION_VALUE));
  else if (b.ACTION === 'COPY') void navigator.clipboard?.writeText(String(b.ACTION_VALUE)).catch(() => undefined);
  else if (b.ACTION === 'CALL') window.open(`tel:${String(b.ACTION_VALUE)}`, '_self');
  else if (b.ACTION === 'DIALOG') a.open(String(b.ACTION_VALUE));
}

/**
 * KEYBOARD: buttons in rows (NEWLINE breaks a row, DISPLAY LINE takes a row of its own), colours,
 * DISABLED, and BLOCK (after one press the whole keyboard waits for the bot, as on a portal).
 */
export function Keyboard({ buttons, actions, blocked, onBlock }: { buttons: unknown; actions: ButtonActions; blocked: boolean; onBlock(): void }) {
  const rows: Rec[][] = [[]];
  for (const b of asList(buttons)) {
    if (b.TYPE === 'NEWLINE') rows.push([]);
    else if (b.DISPLAY === 'LINE') rows.push([b], []);
    else rows[rows.length - 1].push(b);
  }
  return (
    <div class="keyboard" role="group" aria-label="Bot keyboard">
      {rows.filter((r) => r.length).map((row, i) => (
        <div key={i} class="kb-row">
          {row.map((b, j) => (
            <button
              key={j}
              type="button"
              class="kb-button"
              disabled={b.DISABLED === 'Y' || blocked}
              style={{ background: hex(b.BG_COLOR), color: hex(b.TEXT_COLOR), width: b.WIDTH ? `${Number(b.WIDTH)}px` : undefined }}
              data-command={b.COMMAND ?? undefined}
              data-app={b.APP_ID ?? undefined}
              onClick={() => {
                if (b.BLOCK === 'Y') onBlock();
                runButton(b, actions);
              }}
            >
              {String(b.TEXT)}
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}

/** MENU: the message's context menu, opened from its "⋯" button. */
export function Menu({ items, actions }: { items: unknown; actions: ButtonActions }) {
  return (
    <details class="msg-menu">
      <summary aria-label="Message menu">⋯</summary>
      <ul role="menu">
        {asList(items).map((item, i) => (
          <li key={i} role="none"><button type="button" role="menuitem" onClick={(e) => { (e.currentTarget as HTMLElement).closest('details')?.removeAttribute('open'); runButton(item, actions); }}>{unescape(item.TEXT)}</button></li>
        ))}
      </ul>
    </details>
  );
}
