import { openPrivateChat, setTextFieldEnabled } from '../../im/chats.js';
import { INPUT_ACTION_CODES, setInputAction } from '../../im/input-actions.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { pick, v2Bool, v2Int, v2String } from './args.js';
import { V2Errors } from './errors.js';
import type { BotDialog } from './gate.js';
import { deniedOnRefusal, done, gateDialog } from './chats-common.js';

/*
 * imbot.v2.Chat.InputAction.notify and Chat.TextField.enabled (api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/). Both work in
 * group chats and in the bot's 1:1 chats; access is membership only, and ACCESS_DENIED is their
 * one error after the gate (a dialog that names nothing included).
 */

/**
 * The chat of a UI call. A 1:1 dialog nobody has written in yet has no chat: `open` creates it
 * (as the bot's first message would, ONIMBOTJOINCHAT included); otherwise null.
 */
async function uiChatId(call: MethodCall, botId: number, dialog: BotDialog, open: boolean): Promise<number | null> {
  if (dialog.kind === 'none') throw V2Errors.accessDenied();
  if (dialog.kind === 'private' && !dialog.chat) return open ? (await openPrivateChat(call.ctx, botId, dialog.userId)).chatId : null;
  if (!dialog.chat || dialog.role === null) throw V2Errors.accessDenied();
  return dialog.chat.id;
}

/** Seconds an indicator lasts when `duration` is not given (the docs leave it to the server). */
export const DEFAULT_INPUT_ACTION_SECONDS = 30;

/** `duration`: absent → the default; otherwise clamped to 1–600 s (api-reference/chat-bots/chat-bots-v2/index.md). */
function durationParam(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_INPUT_ACTION_SECONDS;
  return Math.min(600, Math.max(1, v2Int(value)));
}

/**
 * InputAction.notify: records "the bot is typing / thinking…" for `duration` seconds (see
 * src/im/input-actions.ts); nothing goes to any bot. A `statusMessageCode` outside the list of api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/chat-input-action-notify.md#status-codes is not an
 * error (the docs define none): it shows the plain "typing" indicator, as an absent code does.
 * In a 1:1 dialog without a chat yet there is nobody to show it to, so nothing is recorded.
 */
async function inputActionNotify(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const code = v2String(pick(call.params, 'statusMessageCode')).trim().toUpperCase();
  const seconds = durationParam(pick(call.params, 'duration'));
  const chatId = await uiChatId(call, botId, dialog, false);
  if (chatId !== null) await setInputAction(call.ctx, chatId, botId, INPUT_ACTION_CODES.includes(code) ? code : '', seconds);
  return done;
}

/** TextField.enabled: shows (default) or hides the chat's message input; the same flag as v1's. */
async function textFieldEnabled(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const enabled = v2Bool(pick(call.params, 'enabled'), true);
  const chatId = (await uiChatId(call, botId, dialog, true))!;
  await deniedOnRefusal(() => setTextFieldEnabled(call.ctx, chatId, botId, enabled, true));
  return done;
}

export const v2UiMethods: MethodSpec[] = [
  { name: 'imbot.v2.Chat.InputAction.notify', scope: 'imbot', write: true, handler: inputActionNotify },
  { name: 'imbot.v2.Chat.TextField.enabled', scope: 'imbot', write: true, handler: textFieldEnabled },
];
