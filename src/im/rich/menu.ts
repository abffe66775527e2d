/** MENU (message context menu) normalisation (api-reference/chats/messages/menu.md; `Bitrix\Im\Bot\ContextMenu`). */
import { idval } from '../../util/php.js';
import {
  type RichRecord,
  MENU_ACTIONS,
  fitsRichLimit,
  htmlEscape,
  oneOf,
  phpTrim,
  record,
  resolveAction,
  unwrapRich,
  yesNo,
} from './common.js';

export interface MenuOptions {
  /** The sending bot; overrides the menu's own `BOT_ID` (bot methods). Without it the input's `BOT_ID` is used. */
  botId?: number;
  /** Reject a menu whose JSON is 60 000 characters or more (default true; the portal's limit — the v1 pages say 30 KB). */
  checkSize?: boolean;
}

/** `menu` is the normalised item list, the value stored as the message's `MENU` param. */
export type MenuResult = { ok: true; menu: RichRecord[] } | { ok: false; error: 'MENU_ERROR' | 'MENU_OVERSIZE' };

export function normalizeMenu(input: unknown, options: MenuOptions = {}): MenuResult {
  const unwrapped = unwrapRich(input, 'ITEMS');
  if (!unwrapped) return { ok: false, error: 'MENU_ERROR' };
  const botId = options.botId ?? idval(unwrapped.root.BOT_ID);

  const items: RichRecord[] = [];
  for (const raw of unwrapped.list) {
    const item = normalizeItem(record(raw), botId);
    if (item) items.push(item);
  }
  if (items.length === 0) return { ok: false, error: 'MENU_ERROR' };
  if (options.checkSize !== false && !fitsRichLimit(items)) return { ok: false, error: 'MENU_OVERSIZE' };
  return { ok: true, menu: items };
}

function normalizeItem(item: RichRecord, botId: number): RichRecord | null {
  const text = typeof item.TEXT === 'string' ? phpTrim(item.TEXT) : '';
  if (text === '') return null;
  const action = resolveAction(item, botId, MENU_ACTIONS);
  if (!action) return null;
  return {
    BOT_ID: botId,
    ...action,
    TEXT: htmlEscape(text),
    CONTEXT: oneOf(item.CONTEXT, ['MOBILE', 'DESKTOP'], 'ALL'),
    DISABLED: yesNo(item.DISABLED),
  };
}
