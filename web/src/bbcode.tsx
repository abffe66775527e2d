import type { ComponentChildren } from 'preact';

/**
 * BB-code as the portal's messenger shows it: [b] [i] [u] [s], [url] and [url=…], [USER=id],
 * [CHAT=id], [br], [QUOTE], [CODE], [color=…], [send=…]/[put=…] (message commands), and bare
 * links. Smileys stay text. Unknown or unbalanced tags are shown as written. Nothing is ever
 * turned into HTML from a string: the result is a tree of elements, so text cannot inject markup.
 */
export interface BbHandlers {
  /** [send=text] / [put=text] clicked */
  onCommand?(kind: 'send' | 'put', text: string): void;
  /** [USER=id] / [CHAT=id] clicked */
  onOpen?(dialogId: string): void;
}

type Node = string | { tag: string; arg: string; children: Node[] };

const PAIRED = new Set(['b', 'i', 'u', 's', 'url', 'user', 'chat', 'quote', 'code', 'color', 'send', 'put', 'size', 'icon']);
const TAG = /\[(\/?)([a-zA-Z]+)(?:=([^\]]*))?\]/g;

function parse(text: string): Node[] {
  const root: { tag: string; arg: string; children: Node[] } = { tag: '', arg: '', children: [] };
  const stack = [root];
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
    const [raw, closing, rawName, arg = ''] = m;
    const name = rawName.toLowerCase();
    const top = stack[stack.length - 1];
    // inside [code] only its own end tag means anything
    if (top.tag === 'code' && !(closing && name === 'code')) continue;
    if (m.index > last) top.children.push(text.slice(last, m.index));
    last = m.index + raw.length;
    if (name === 'br' && !closing) {
      top.children.push({ tag: 'br', arg: '', children: [] });
    } else if (!closing && PAIRED.has(name)) {
      const node = { tag: name, arg, children: [] as Node[] };
      top.children.push(node);
      stack.push(node);
    } else if (closing && stack.some((n) => n.tag === name)) {
      while (stack[stack.length - 1].tag !== name) stack.pop();
      stack.pop();
    } else {
      top.children.push(raw);
    }
  }
  if (last < text.length) stack[stack.length - 1].children.push(text.slice(last));
  return root.children;
}

const LINK = /\bhttps?:\/\/[^\s<>\[\]"]+/g;

function safeHref(url: string): string | null {
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' || u.protocol === 'tel:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Plain text: line breaks and bare links. */
function textNodes(text: string, key: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) out.push(<br key={`${key}n${i}`} />);
    let at = 0;
    LINK.lastIndex = 0;
    for (let m = LINK.exec(line); m; m = LINK.exec(line)) {
      if (m.index > at) out.push(line.slice(at, m.index));
      out.push(<a key={`${key}l${i}-${m.index}`} href={m[0]} target="_blank" rel="noopener noreferrer">{m[0]}</a>);
      at = m.index + m[0].length;
    }
    if (at < line.length) out.push(line.slice(at));
  });
  return out;
}

function plain(nodes: Node[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : n.tag === 'br' ? '\n' : plain(n.children))).join('');
}

function render(nodes: Node[], h: BbHandlers, key: string): ComponentChildren[] {
  return nodes.flatMap((n, i): ComponentChildren[] => {
    const k = `${key}.${i}`;
    if (typeof n === 'string') return textNodes(n, k);
    const inner = () => render(n.children, h, k);
    switch (n.tag) {
      case 'br': return [<br key={k} />];
      case 'b': return [<b key={k}>{inner()}</b>];
      case 'i': return [<i key={k}>{inner()}</i>];
      case 'u': return [<u key={k}>{inner()}</u>];
      case 's': return [<s key={k}>{inner()}</s>];
      case 'code': return [<pre key={k} class="bb-code"><code>{plain(n.children).replace(/^\n/, '')}</code></pre>];
      case 'quote': return [<blockquote key={k} class="bb-quote">{inner()}</blockquote>];
      case 'color': return [<span key={k} style={{ color: /^#?[\w]+$/.test(n.arg) ? n.arg : undefined }}>{inner()}</span>];
      case 'url': {
        const href = safeHref(n.arg || plain(n.children));
        return href ? [<a key={k} href={href} target="_blank" rel="noopener noreferrer">{inner()}</a>] : inner();
      }
      case 'user':
      case 'chat': {
        const dialog = n.tag === 'chat' ? `chat${n.arg}` : n.arg;
        return [<a key={k} href={`#/im/${dialog}`} class={`bb-mention bb-${n.tag}`} data-id={n.arg} onClick={(e) => { if (h.onOpen) { e.preventDefault(); h.onOpen(dialog); } }}>{inner()}</a>];
      }
      case 'send':
      case 'put': {
        const text = n.arg || plain(n.children);
        return [<button key={k} type="button" class={`bb-${n.tag}`} onClick={() => h.onCommand?.(n.tag as 'send' | 'put', text)}>{inner()}</button>];
      }
      default: return inner();
    }
  });
}

export function BbText({ text, handlers = {} }: { text: string; handlers?: BbHandlers }) {
  return <>{render(parse(text), handlers, 'bb')}</>;
}

/** The text of a message without its markup (for the recent list and notifications). */
export function bbPlain(text: string): string {
  return plain(parse(text));
}
