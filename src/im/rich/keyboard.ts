/** KEYBOARD normalisation (api-reference/chats/messages/keyboards.md; `Bitrix\Im\Bot\Keyboard`). */
import { idval, phpEmpty } from '../../util/php.js';
import {
  type RichRecord,
  KEYBOARD_ACTIONS,
  fitsRichLimit,
  isColorToken,
  isHexColor,
  oneOf,
  phpTrim,
  positiveInt,
  record,
  resolveAction,
  unwrapRich,
  yesNo,
} from './common.js';

export interface KeyboardOptions {
  /** The sending bot; overrides the keyboard's own `BOT_ID` (bot methods). Without it the input's `BOT_ID` is used. */
  botId?: number;
  /** Reject a keyboard whose JSON is 60 000 characters or more (default true; the portal's limit — the v1 pages say 30 KB). */
  checkSize?: boolean;
}

/** `keyboard` is the normalised button list, the value stored as the message's `KEYBOARD` param. */
export type KeyboardResult =
  | { ok: true; keyboard: RichRecord[] }
  | { ok: false; error: 'KEYBOARD_ERROR' | 'KEYBOARD_OVERSIZE' };

const COLOR_KEYS = ['BG_COLOR', 'TEXT_COLOR', 'OFF_BG_COLOR', 'OFF_TEXT_COLOR'] as const;

export function normalizeKeyboard(input: unknown, options: KeyboardOptions = {}): KeyboardResult {
  const unwrapped = unwrapRich(input, 'BUTTONS');
  if (!unwrapped) return { ok: false, error: 'KEYBOARD_ERROR' };
  const { root, list } = unwrapped;
  const botId = options.botId ?? idval(root.BOT_ID);
  const defaults = pickColors(record(root.COLORS), {});
  const vote = root.VOTE === 'Y';

  const buttons: RichRecord[] = [];
  for (const raw of list) {
    const item = record(raw);
    // A NEWLINE counts as a button: a keyboard of line breaks only is accepted, as on the portal.
    const button = item.TYPE === 'NEWLINE' ? { TYPE: 'NEWLINE' } : normalizeButton(item, botId, defaults, vote);
    if (button) buttons.push(button);
  }
  if (buttons.length === 0) return { ok: false, error: 'KEYBOARD_ERROR' };
  if (options.checkSize !== false && !fitsRichLimit(buttons)) return { ok: false, error: 'KEYBOARD_OVERSIZE' };
  return { ok: true, keyboard: buttons };
}

function normalizeButton(item: RichRecord, botId: number, defaults: RichRecord, vote: boolean): RichRecord | null {
  if (phpEmpty(item.TEXT) || typeof item.TEXT !== 'string' || phpTrim(item.TEXT) === '') return null;
  const action = resolveAction(item, botId, KEYBOARD_ACTIONS);
  if (!action) return null;
  const button: RichRecord = {
    BOT_ID: botId,
    TYPE: 'BUTTON',
    ...action,
    TEXT: phpTrim(item.TEXT),
    VOTE: vote ? 'Y' : 'N',
    BLOCK: yesNo(item.BLOCK),
    WAIT: 'N',
    CONTEXT: oneOf(item.CONTEXT, ['MOBILE', 'DESKTOP'], 'ALL'),
    DISABLED: yesNo(item.DISABLED),
    DISPLAY: oneOf(item.DISPLAY, ['BLOCK', 'LINE'], 'BLOCK'),
  };
  const width = positiveInt(item.WIDTH);
  if (width !== undefined) button.WIDTH = width;
  Object.assign(button, pickColors(item, defaults));
  button.BG_COLOR_TOKEN = isColorToken(item.BG_COLOR_TOKEN) ? item.BG_COLOR_TOKEN : 'base';
  return button;
}

/** The valid hex colours of `source`, falling back per key to `defaults`. */
function pickColors(source: RichRecord, defaults: RichRecord): RichRecord {
  const out: RichRecord = {};
  for (const key of COLOR_KEYS) {
    const color = isHexColor(source[key]) ? source[key] : defaults[key];
    if (color !== undefined) out[key] = color;
  }
  return out;
}
