/**
 * What imbot.message.* and im.message.* share: the rich params (ATTACH, KEYBOARD, MENU) read in
 * the portal's order with its error codes, and the message-level error strings.
 */
import {
  RICH_ERROR_TEXTS,
  isRichRemoval,
  messageAttach,
  normalizeKeyboard,
  normalizeMenu,
  type RichErrorCode,
} from '../../im/rich/index.js';
import type { LikeAction, ParamsPatch } from '../../im/messages.js';
import { RestError } from '../../rest/errors.js';
import { phpEmpty } from '../../rest/php.js';

export const MessageErrors = {
  messageIdEmpty: () => new RestError('MESSAGE_ID_ERROR', "Message ID can't be empty"),
  cantEdit: () => new RestError('CANT_EDIT_MESSAGE', "Time has expired for modification or you don't have access", 403),
  withoutChanges: () => new RestError('WITHOUT_CHANGES', 'Action completed without changes'),
} as const;

export function richError(code: RichErrorCode): RestError {
  return new RestError(code, RICH_ERROR_TEXTS[code]);
}

/** PHP `isset`: present and not null. */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * ATTACH, KEYBOARD and MENU of a new message, each only when present and not PHP-empty, validated
 * in the portal's order (ATTACH_OVERSIZE → ATTACH_ERROR → KEYBOARD_* → MENU_*). All three sizes
 * are capped at 60 000 characters (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/attachments/index.md; the v1 pages say
 * 30 KB). `botId` is the keyboard/menu owner
 * (0 drops COMMAND buttons). Returns the params to store.
 */
export function richParamsForAdd(P: Record<string, unknown>, botId: number, now: number): ParamsPatch {
  const out: ParamsPatch = {};
  if (!phpEmpty(P.ATTACH)) out.ATTACH = attachValue(P.ATTACH, now);
  if (!phpEmpty(P.KEYBOARD)) out.KEYBOARD = keyboardValue(P.KEYBOARD, botId);
  if (!phpEmpty(P.MENU)) out.MENU = menuValue(P.MENU, botId);
  return out;
}

/** The stored ATTACH param (im/rich messageAttach: the list of attachments, one per call). */
export function attachValue(input: unknown, now: number): unknown[] {
  const a = messageAttach(input, { now });
  if (!a.ok) throw richError(a.error);
  return a.attach;
}

export function keyboardValue(input: unknown, botId: number): unknown[] {
  const k = normalizeKeyboard(input, { botId });
  if (!k.ok) throw richError(k.error);
  return k.keyboard;
}

export function menuValue(input: unknown, botId: number): unknown[] {
  const m = normalizeMenu(input, { botId });
  if (!m.ok) throw richError(m.error);
  return m.menu;
}

/** Update convention: `"N"` or empty removes the param (null in a patch), anything else is validated. */
export function richPatchValue(value: unknown, parse: (v: unknown) => unknown[]): unknown[] | null {
  return isRichRemoval(value) ? null : parse(value);
}

/** ACTION of the like methods: lower-cased; anything else is `auto`. */
export function likeAction(value: unknown): LikeAction {
  const a = typeof value === 'string' ? value.toLowerCase() : '';
  return a === 'plus' || a === 'minus' ? a : 'auto';
}
