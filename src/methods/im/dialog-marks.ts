/**
 * A person's own marks on their dialogs: im.chat.mute, im.recent.pin, im.recent.hide,
 * im.recent.unread, im.dialog.unread, im.dialog.read.all (api-reference/chats/special-operations,
 * api-reference/chats/messages/im-dialog-unread.md). Parameters in the portal's evaluation order;
 * `ACTION` is the undocumented alias of MUTE / PIN / UNREAD the portal also reads.
 */
import { chatRestrictions, getChat, isMember, resolveDialog } from '../../im/chats.js';
import { parseDialogId, type DialogRef } from '../../im/dialogs.js';
import { hideDialog, markDialogUnread, muteChat, pinDialog, readEverything, unreadFrom } from '../../im/dialog-marks.js';
import { RestError } from '../../rest/errors.js';
import { intval, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';

const MarkErrors = {
  cannotMute: () => new RestError('ACCESS_ERROR', 'This chat cannot be muted', 403),
  cannotPin: () => new RestError('ACCESS_ERROR', 'You don’t have permission to pin this chat'),
  messageIdError: () => new RestError('MESSAGE_ID_ERROR', "First unread message id can't be empty"),
} as const;

type Params = Record<string, unknown>;

/** DIALOG_ID, required and well-formed (Common::isDialogId), else DIALOG_ID_EMPTY. */
function dialogParam(P: Params): DialogRef {
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ChatErrors.dialogEmpty();
  return ref;
}

/** The chat a dialog id names for the caller (Dialog::getChatId), or null. */
async function chatOf(call: MethodCall, ref: DialogRef): Promise<number | null> {
  return (await resolveDialog(call.ctx.db, ref, call.caller.userId)).chatId;
}

/** `MUTE`/`PIN`/`ACTION` style switches: everything but "N" turns the mark on. */
const on = (P: Params, key: string): boolean => (P.ACTION !== undefined ? P.ACTION : P[key]) !== 'N';

/**
 * im.chat.mute: CHAT_ID or DIALOG_ID (which wins); a chat the caller is not in, or whose kind
 * forbids muting (a call's chat, a support chat), cannot be muted.
 */
async function chatMute(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  let raw = P.CHAT_ID;
  if (P.DIALOG_ID !== undefined) raw = (await chatOf(call, dialogParam(P))) ?? 0;
  const chatId = intval(raw);
  if (chatId <= 0) throw ChatErrors.chatIdEmpty();
  const me = call.caller.userId;
  const chat = await getChat(call.ctx.db, chatId);
  if (!chat || !chatRestrictions(chat).mute || !(await isMember(call.ctx.db, chatId, me))) throw MarkErrors.cannotMute();
  await muteChat(call.ctx, chatId, me, on(P, 'MUTE'));
  return true;
}

/** im.recent.pin: only a chat the caller is in can be pinned. */
async function recentPin(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const ref = dialogParam(P);
  const chatId = await chatOf(call, ref);
  if (chatId === null) throw ChatErrors.noChatAccess();
  if (!(await isMember(call.ctx.db, chatId, call.caller.userId))) throw MarkErrors.cannotPin();
  await pinDialog(call.ctx, chatId, call.caller.userId, on(P, 'PIN'));
  return true;
}

/** im.recent.hide: false when the dialog has no chat of the caller's to hide. */
async function recentHide(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const chatId = await chatOf(call, dialogParam(P));
  if (chatId === null || !(await isMember(call.ctx.db, chatId, call.caller.userId))) return false;
  await hideDialog(call.ctx, chatId, call.caller.userId);
  return true;
}

/** im.recent.unread: false when the dialog names no chat of the caller's. */
async function recentUnread(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const chatId = await chatOf(call, dialogParam(P));
  if (chatId === null || !(await isMember(call.ctx.db, chatId, call.caller.userId))) return false;
  await markDialogUnread(call.ctx, chatId, call.caller.userId, on(P, 'UNREAD'));
  return true;
}

/** im.dialog.unread: MESSAGE_ID first, then DIALOG_ID; true even where nothing could change. */
async function dialogUnread(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const messageId = intval(P.MESSAGE_ID);
  if (messageId <= 0) throw MarkErrors.messageIdError();
  const chatId = await chatOf(call, dialogParam(P));
  if (chatId !== null) await unreadFrom(call.ctx, chatId, call.caller.userId, messageId);
  return true;
}

async function dialogReadAll(call: MethodCall): Promise<boolean> {
  await readEverything(call.ctx, call.caller.userId);
  return true;
}

export const dialogMarkMethods: MethodSpec[] = [
  { name: 'im.chat.mute', scope: 'im', write: true, handler: chatMute },
  { name: 'im.recent.pin', scope: 'im', write: true, handler: recentPin },
  { name: 'im.recent.hide', scope: 'im', write: true, handler: recentHide },
  { name: 'im.recent.unread', scope: 'im', write: true, handler: recentUnread },
  { name: 'im.dialog.unread', scope: 'im', write: true, handler: dialogUnread },
  { name: 'im.dialog.read.all', scope: 'im', write: true, handler: dialogReadAll },
];
