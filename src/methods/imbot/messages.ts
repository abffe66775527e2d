import type { BotRow } from '../../bots/lifecycle.js';
import { notifyReaction } from '../../events/notify.js';
import { getChat, isMember, openPrivateChat, resolveDialog } from '../../im/chats.js';
import { reportChange } from '../../changes.js';
import { parseDialogId } from '../../im/dialogs.js';
import {
  canChangeMessage,
  deleteMessage,
  getMessage,
  isDeleted,
  normalizeText,
  postMessage,
  updateMessageParams,
  updateMessageText,
  type ParamsPatch,
} from '../../im/messages.js';
import { likeAsReaction } from '../../im/reactions.js';
import { fullName, getUser } from '../../im/users.js';
import { idval, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import {
  MessageErrors,
  attachValue,
  isSet,
  keyboardValue,
  likeAction,
  menuValue,
  richParamsForAdd,
  richPatchValue,
} from '../im/message-common.js';
import { ImbotErrors } from './errors.js';
import { actingBot, requireOwner } from './owner.js';
import { cachedRead } from '../../context.js';

/** Where a bot's message goes: the private chat with a user, or a group chat it belongs to. */
async function targetChat(call: MethodCall, bot: BotRow, dialogId: unknown): Promise<{ chatId: number; group: boolean } | null> {
  const ref = parseDialogId(dialogId);
  if (!ref) throw ImbotErrors.dialogEmpty();
  if (ref.kind === 'user') {
    const user = await cachedRead(call.ctx, `user:${ref.userId}`, ['users'], () => getUser(call.ctx.db, ref.userId));
    if (!user || !user.active || user.id === bot.bot_id) return null;
    const { chatId } = await openPrivateChat(call.ctx, bot.bot_id, user.id);
    return { chatId, group: false };
  }
  if (ref.kind === 'chat') {
    const chat = await getChat(call.ctx.db, ref.chatId);
    if (!chat || chat.type === 'P' || !(await isMember(call.ctx.db, chat.id, bot.bot_id))) return null;
    return { chatId: chat.id, group: true };
  }
  return null; // workgroup and CRM chats do not exist on this portal
}

/** FROM_USER_ID + TO_USER_ID, both > 0: the "private system" mode (api-reference/chat-bots/outdated/messages/imbot-message-add.md). */
function privateSystemPair(P: Record<string, unknown>): { from: number; to: number } | null {
  const from = idval(P.FROM_USER_ID);
  const to = idval(P.TO_USER_ID);
  return from > 0 && to > 0 ? { from, to } : null;
}

/** The private chat of two existing, active people, opened if needed. */
async function pairChat(call: MethodCall, pair: { from: number; to: number }): Promise<number | null> {
  for (const id of [pair.from, pair.to]) {
    const user = await getUser(call.ctx.db, id);
    if (!user || !user.active) return null;
  }
  return (await openPrivateChat(call.ctx, pair.from, pair.to)).chatId;
}

async function messageAdd(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  const pair = privateSystemPair(P);
  if (!pair && !parseDialogId(P.DIALOG_ID)) throw ImbotErrors.dialogEmpty();
  // A JSON number is not a message text (the real server checks is_string).
  const text = typeof P.MESSAGE === 'string' ? P.MESSAGE.trim() : '';
  if (text === '') throw ImbotErrors.messageEmpty();
  const params = richParamsForAdd(P, bot.bot_id, call.ctx.clock.now());
  if (P.URL_PREVIEW === 'N') params.URL_PREVIEW = 'N';
  // SKIP_CONNECTOR only concerns open-line connectors, which this portal does not have.

  if (pair) {
    const chatId = await pairChat(call, pair);
    if (chatId === null) throw ImbotErrors.messageNotAdded();
    const body = normalizeText(`[USER=${bot.bot_id}][/USER][BR] Chat Bot${text}`);
    return postMessage(call.ctx, { chatId, authorId: pair.from, text: body, system: true, params });
  }
  const target = await targetChat(call, bot, P.DIALOG_ID);
  if (!target) throw ImbotErrors.messageNotAdded();
  const system = P.SYSTEM === 'Y';
  let body = normalizeText(text);
  if (system && target.group) {
    const botUser = await getUser(call.ctx.db, bot.bot_id);
    body = `${botUser ? fullName(botUser) : ''}:\n${body}`;
  }
  return postMessage(call.ctx, { chatId: target.chatId, authorId: bot.bot_id, text: body, system, params });
}

function messageIdOf(P: Record<string, unknown>): number {
  const id = idval(P.MESSAGE_ID);
  if (id <= 0) throw MessageErrors.messageIdEmpty();
  return id;
}

/**
 * imbot.message.update: each present part (ATTACH, KEYBOARD, MENU, MESSAGE) is checked in that
 * order — edit permission first (CANT_EDIT_MESSAGE 403), then its content. Nothing to change is
 * still `true`. The whole call is one transaction (the portal saves earlier parts before a later
 * part fails).
 */
async function messageUpdate(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  const row = await getMessage(call.ctx.db, messageIdOf(P));
  const editable = canChangeMessage(call.ctx, row, bot.bot_id, 'edit');
  const allowed = () => {
    if (!editable) throw MessageErrors.cantEdit();
    return row!;
  };
  const now = call.ctx.clock.now();
  const patch: ParamsPatch = {};
  if (isSet(P.ATTACH)) {
    allowed();
    patch.ATTACH = richPatchValue(P.ATTACH, (v) => attachValue(v, now));
  }
  if (isSet(P.KEYBOARD)) {
    allowed();
    patch.KEYBOARD = richPatchValue(P.KEYBOARD, (v) => keyboardValue(v, bot.bot_id));
  }
  if (isSet(P.MENU)) {
    allowed();
    patch.MENU = richPatchValue(P.MENU, (v) => menuValue(v, bot.bot_id));
  }
  if (isSet(P.MESSAGE)) {
    const current = allowed();
    patch.URL_PREVIEW = P.URL_PREVIEW === 'N' ? 'N' : null;
    // Bots edit without the "edited" mark; an empty text deletes the message (soft).
    await updateMessageText(call.ctx, current, normalizeText(phpString(P.MESSAGE).trim()), patch);
  } else if (Object.keys(patch).length > 0) {
    await updateMessageParams(call.ctx, allowed(), patch);
  }
  return true;
}

/** imbot.message.delete: the bot's own message, any age; COMPLETE=Y removes it without a stub. */
async function messageDelete(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  const row = await getMessage(call.ctx.db, messageIdOf(P));
  const complete = P.COMPLETE === 'Y';
  // A stub can still be removed completely; it cannot be deleted twice.
  const stubRemoval = complete && row !== undefined && isDeleted(row) && row.author_id === bot.bot_id;
  if (!stubRemoval && !canChangeMessage(call.ctx, row, bot.bot_id, 'delete')) throw MessageErrors.cantEdit();
  await deleteMessage(call.ctx, row!, complete);
  return true;
}

/** imbot.message.like: as the bot, in a chat the bot belongs to. */
async function messageLike(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  const id = messageIdOf(P);
  const action = likeAction(P.ACTION);
  const row = await getMessage(call.ctx.db, id);
  if (!row || isDeleted(row) || !(await isMember(call.ctx.db, row.chat_id, bot.bot_id))) throw MessageErrors.withoutChanges();
  // A like is the v2 `like` reaction (src/im/reactions.ts): v2 bots hear it as one.
  const done = await likeAsReaction(call.ctx, row, bot.bot_id, action);
  if (!done) throw MessageErrors.withoutChanges();
  await notifyReaction(call.ctx, { messageId: row.id, userId: bot.bot_id, reaction: 'like', action: done });
  return true;
}

/** imbot.chat.sendTyping / imbot.sendTyping: "typing…" is not stored; answers at once. */
async function sendTyping(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ImbotErrors.dialogEmpty();
  // Nothing to store, but the people watching the chat (the web messenger) see "typing…".
  const { access, chatId } = await resolveDialog(call.ctx.db, ref, bot.bot_id);
  if (access && chatId !== null) reportChange(call.ctx, { chatId, kind: 'typing', userId: bot.bot_id });
  return true;
}

export const imbotMessageMethods: MethodSpec[] = [
  { name: 'imbot.message.add', scope: 'imbot', write: true, handler: messageAdd, onStoreFailure: ImbotErrors.messageNotAdded },
  { name: 'imbot.message.update', scope: 'imbot', write: true, handler: messageUpdate, onStoreFailure: MessageErrors.cantEdit },
  { name: 'imbot.message.delete', scope: 'imbot', write: true, handler: messageDelete, onStoreFailure: MessageErrors.cantEdit },
  { name: 'imbot.message.like', scope: 'imbot', write: true, handler: messageLike, onStoreFailure: MessageErrors.withoutChanges },
  { name: 'imbot.chat.sendTyping', scope: 'imbot', handler: sendTyping },
  { name: 'imbot.sendTyping', scope: 'imbot', handler: sendTyping },
];
