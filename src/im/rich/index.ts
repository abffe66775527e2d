/**
 * Rich message content: KEYBOARD, ATTACH and MENU validation/normalisation (api-reference/chats/messages/keyboards.md, attachments.md, menu.md).
 * Pure functions, shared by imbot.message.add/update, imbot.command.answer, im.message.* and the v2 send methods.
 *
 * Typical use in a method:
 *   if (P.KEYBOARD !== undefined && isRichRemoval(P.KEYBOARD)) → remove (update only)
 *   const kb = normalizeKeyboard(P.KEYBOARD, { botId });
 *   if (!kb.ok) throw new RestError(kb.error, RICH_ERROR_TEXTS[kb.error]);
 */
export { RICH_MAX_JSON_LENGTH, fitsRichLimit, isRichRemoval, parseRichParam, richJsonLength } from './common.js';
export { type KeyboardOptions, type KeyboardResult, normalizeKeyboard } from './keyboard.js';
export { type MenuOptions, type MenuResult, normalizeMenu } from './menu.js';
export { ATTACH_PALETTE, type AttachOptions, type AttachResult, messageAttach, type MessageAttachResult, normalizeAttach } from './attach.js';

/** Error texts of the rich-content codes (api-reference/chat-bots/outdated/messages/imbot-message-add.md, imbot-message-update.md), all HTTP 400. */
export const RICH_ERROR_TEXTS = {
  ATTACH_ERROR: 'Incorrect attach params',
  ATTACH_OVERSIZE: 'You have exceeded the maximum allowable size of attach',
  KEYBOARD_ERROR: 'Incorrect keyboard params',
  KEYBOARD_OVERSIZE: 'You have exceeded the maximum allowable size of keyboard',
  MENU_ERROR: 'Incorrect menu params',
  MENU_OVERSIZE: 'You have exceeded the maximum allowable size of menu',
} as const;

export type RichErrorCode = keyof typeof RICH_ERROR_TEXTS;
