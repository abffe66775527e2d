import { messageFileCards } from '../../im/disk.js';
import { notifyDeletion, notifyMessage, notifyReaction } from '../../events/notify.js';
import { getChat, isMember, memberIds, memberRole, openPrivateChat, privateChatId } from '../../im/chats.js';
import { reportChange } from '../../changes.js';
import { parseDialogId, type DialogRef } from '../../im/dialogs.js';
import {
  canChangeMessage,
  chatHistory,
  deleteMessage,
  formatImMessage,
  getMessage,
  isDeleted,
  normalizeText,
  postMessage,
  readChat,
  updateMessageParams,
  updateMessageText,
  type ForwardContexts,
  type MessageRow,
  type ParamsPatch,
} from '../../im/messages.js';
import { likeAsReaction } from '../../im/reactions.js';
import { formatImUser, getUser, getUsers } from '../../im/users.js';
import { RestError } from '../../rest/errors.js';
import { idval, intval, phpEmpty, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import type { DomainCtx } from '../../context.js';
import { findReadMark } from '../../store/repos/read-state.js';
import { ImErrors } from './errors.js';
import {
  MessageErrors,
  attachValue,
  isSet,
  keyboardValue,
  likeAction,
  menuValue,
  richParamsForAdd,
  richPatchValue,
} from './message-common.js';

const PeopleErrors = {
  wrongMessageType: () => new RestError('MESSAGE_EMPTY', 'Wrong message type'),
  paramsError: () => new RestError('PARAMS_ERROR', 'Incorrect params'),
  replyAccess: () => new RestError('REPLY_ACCESS_ERROR', 'Action unavailable', 403),
  replyOtherChat: () => new RestError('REPLY_FROM_OTHER_CHAT_ERROR', 'You can only reply to a message within the same chat', 403),
  noDialogAccessWriting: () => new RestError('ACCESS_ERROR', "You don't have access to this dialog", 403),
} as const;

/** `chat7` → 7; `sg…`/`crm…` name chats that do not exist here (0). */
function chatIdOfDialog(dialogId: string): number | null {
  const ref = parseDialogId(dialogId);
  if (!ref || ref.kind === 'user') return null;
  return ref.kind === 'chat' ? ref.chatId : 0;
}

/** The MESSAGE/ATTACH rule of im.message.add: a text, or an attachment, or both. */
function readAddText(P: Record<string, unknown>): string {
  if (isSet(P.MESSAGE)) {
    if (typeof P.MESSAGE !== 'string') throw PeopleErrors.wrongMessageType();
    const text = P.MESSAGE.trim();
    if (text === '' && phpEmpty(P.ATTACH)) throw ImErrors.messageEmpty();
    return text;
  }
  if (!isSet(P.ATTACH)) throw ImErrors.messageEmpty();
  return '';
}

/** The chat a person writes into: DIALOG_ID, or the raw USER_ID / CHAT_ID parameters. */
async function writeTarget(call: MethodCall, P: Record<string, unknown>, me: number): Promise<number> {
  let userParam = P.USER_ID;
  let chatParam = P.CHAT_ID;
  if (isSet(P.DIALOG_ID)) {
    const chatId = chatIdOfDialog(phpString(P.DIALOG_ID));
    if (chatId === null) userParam = idval(P.DIALOG_ID);
    else chatParam = chatId;
  }
  if (isSet(userParam)) {
    const userId = idval(userParam);
    if (userId <= 0) throw ImErrors.userIdEmpty();
    const other = await getUser(call.ctx.db, userId);
    if (!other || !other.active) throw ImErrors.userNotFound();
    return (await openPrivateChat(call.ctx, me, other.id)).chatId;
  }
  if (isSet(chatParam)) {
    const chatId = idval(chatParam);
    if (chatId <= 0) throw ImErrors.chatIdEmpty();
    const chat = await getChat(call.ctx.db, chatId);
    if (!chat || !(await isMember(call.ctx.db, chat.id, me))) throw ImErrors.accessError();
    return chat.id;
  }
  throw PeopleErrors.paramsError();
}

/** im.message.add: a person writes into a private or group chat as themselves. */
async function messageAdd(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  const text = readAddText(P);
  const chatId = await writeTarget(call, P, me);
  const params = richParamsForAdd(P, idval(P.BOT_ID), call.ctx.clock.now());
  const system = P.SYSTEM === 'Y' && call.caller.authType !== 'session';
  if (P.URL_PREVIEW === 'N') params.URL_PREVIEW = 'N';
  let replyId: number | null = null;
  if (idval(P.REPLY_ID) > 0) {
    const reply = await getMessage(call.ctx.db, idval(P.REPLY_ID));
    if (!reply || !(await isMember(call.ctx.db, reply.chat_id, me))) throw PeopleErrors.replyAccess();
    if (reply.chat_id !== chatId) throw PeopleErrors.replyOtherChat();
    replyId = reply.id;
    params.REPLY_ID = reply.id;
  }
  const id = await postMessage(call.ctx, { chatId, authorId: me, text: normalizeText(text), system, params, replyId });
  await notifyMessage(call.ctx, id, 'add');
  return id;
}

function messageIdOf(P: Record<string, unknown>): number {
  const id = idval(isSet(P.MESSAGE_ID) ? P.MESSAGE_ID : P.ID);
  if (id <= 0) throw MessageErrors.messageIdEmpty();
  return id;
}

/**
 * im.message.update: the author's own message within 3 days. Parts are checked in the order
 * ATTACH, KEYBOARD, MENU, MESSAGE; a text change sets the "edited" mark, an ATTACH change sets it
 * unless IS_EDITED=N; an empty MESSAGE deletes the message.
 */
async function messageUpdate(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  const row = await getMessage(call.ctx.db, messageIdOf(P));
  const editable = canChangeMessage(call.ctx, row, me, 'edit');
  const allowed = (): MessageRow => {
    if (!editable) throw MessageErrors.cantEdit();
    return row!;
  };
  const botId = idval(P.BOT_ID);
  const now = call.ctx.clock.now();
  const patch: ParamsPatch = {};
  if (isSet(P.ATTACH)) {
    allowed();
    patch.ATTACH = richPatchValue(P.ATTACH, (v) => attachValue(v, now));
    patch.IS_EDITED = P.IS_EDITED === 'N' ? 'N' : 'Y';
  }
  if (isSet(P.KEYBOARD)) {
    allowed();
    patch.KEYBOARD = richPatchValue(P.KEYBOARD, (v) => keyboardValue(v, botId));
  }
  if (isSet(P.MENU)) {
    allowed();
    patch.MENU = richPatchValue(P.MENU, (v) => menuValue(v, botId));
  }
  if (isSet(P.MESSAGE)) {
    const current = allowed();
    patch.URL_PREVIEW = P.URL_PREVIEW === 'N' ? 'N' : null;
    patch.IS_EDITED = 'Y';
    const text = normalizeText(phpString(P.MESSAGE).trim());
    // Emptying the text deletes the message: bots hear a deletion, decided by the original text.
    if (text === '') await notifyDeletion(call.ctx, current.id);
    await updateMessageText(call.ctx, current, text, patch);
    if (text !== '') await notifyMessage(call.ctx, current.id, 'update');
  } else if (Object.keys(patch).length > 0) {
    await updateMessageParams(call.ctx, allowed(), patch);
  }
  return true;
}

/** Group-chat owners and managers may delete anyone's message; everyone else only their own. */
async function mayDelete(ctx: DomainCtx, row: MessageRow | undefined, me: number): Promise<boolean> {
  if (!row || isDeleted(row)) return false;
  if (row.author_id === me) return true;
  const chat = await getChat(ctx.db, row.chat_id);
  if (!chat || chat.type === 'P') return false;
  const role = await memberRole(ctx.db, row.chat_id, me);
  return role === 'owner' || role === 'manager';
}

/** im.message.delete: soft delete (the stub stays in the history). */
async function messageDelete(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const row = await getMessage(call.ctx.db, messageIdOf(P));
  if (!(await mayDelete(call.ctx, row, call.caller.userId))) throw MessageErrors.cantEdit();
  await notifyDeletion(call.ctx, row!.id);
  await deleteMessage(call.ctx, row!, false);
  return true;
}

/** im.message.like: toggles/sets/removes the caller's like on a message of a chat they are in. */
async function messageLike(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  const id = messageIdOf(P);
  const action = likeAction(P.ACTION);
  const row = await getMessage(call.ctx.db, id);
  if (!row || isDeleted(row) || !(await isMember(call.ctx.db, row.chat_id, me))) throw MessageErrors.withoutChanges();
  // A like is the v2 `like` reaction (src/im/reactions.ts): v2 bots hear it as one.
  const done = await likeAsReaction(call.ctx, row, me, action);
  if (!done) throw MessageErrors.withoutChanges();
  await notifyReaction(call.ctx, { messageId: row.id, userId: me, reaction: 'like', action: done });
  return true;
}

/**
 * A dialog as a person sees it: `chatId` when the conversation exists and they may read it;
 * `access` also holds for a private dialog with an existing user that has no messages yet.
 */
async function dialogAccess(ctx: DomainCtx, ref: DialogRef, me: number): Promise<{ access: boolean; chatId: number | null }> {
  if (ref.kind === 'user') {
    if (!(await getUser(ctx.db, ref.userId))) return { access: false, chatId: null };
    return { access: true, chatId: await privateChatId(ctx.db, me, ref.userId) };
  }
  if (ref.kind === 'chat') {
    const chat = await getChat(ctx.db, ref.chatId);
    const member = !!chat && (await isMember(ctx.db, chat.id, me));
    return { access: member, chatId: member ? chat!.id : null };
  }
  return { access: false, chatId: null };
}

/** im.dialog.read: read up to MESSAGE_ID (or LAST_ID; default everything); `false` without access. */
async function dialogRead(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const upTo = idval(isSet(P.LAST_ID) ? P.LAST_ID : P.MESSAGE_ID);
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ImErrors.dialogEmpty();
  const { chatId } = await dialogAccess(call.ctx, ref, call.caller.userId);
  if (chatId === null) return false;
  const { lastId, counter } = await readChat(call.ctx, chatId, call.caller.userId, upTo > 0 ? upTo : null);
  return { dialogId: phpString(P.DIALOG_ID), chatId, lastId, counter };
}

/** im.dialog.writing: "typing…" in a dialog the caller may write to (nothing is stored). */
async function dialogWriting(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  let dialogId: unknown = P.DIALOG_ID;
  if (isSet(P.DIALOG_ID)) {
    if (!parseDialogId(P.DIALOG_ID)) throw ImErrors.dialogEmpty();
  } else if (isSet(P.CHAT_ID)) {
    if (idval(P.CHAT_ID) <= 0) throw ImErrors.chatIdEmpty();
    dialogId = `chat${idval(P.CHAT_ID)}`;
  }
  const ref = parseDialogId(dialogId);
  const dialog = ref ? await dialogAccess(call.ctx, ref, call.caller.userId) : null;
  if (!dialog?.access) throw PeopleErrors.noDialogAccessWriting();
  // Nothing is stored, but the chat's other members watching in the web messenger see "typing…".
  if (dialog.chatId !== null) reportChange(call.ctx, { chatId: dialog.chatId, kind: 'typing', userId: call.caller.userId });
  return true;
}

function idParam(v: unknown): number | 'string' | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return idval(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return idval(v);
  return 'string';
}

/** im.dialog.messages.get: a page of a dialog's history as the caller sees it. */
async function dialogMessagesGet(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ImErrors.dialogEmpty();
  const firstId = idParam(P.FIRST_ID);
  if (firstId === 'string') throw ImErrors.firstIdString();
  const lastId = idParam(P.LAST_ID);
  if (lastId === 'string') throw ImErrors.lastIdString();
  const rawLimit = intval(P.LIMIT);
  const limit = rawLimit > 0 ? Math.min(rawLimit, 50) : 20;

  let chatId: number | null = null;
  if (ref.kind === 'user') {
    chatId = await privateChatId(call.ctx.db, me, ref.userId);
    if (chatId === null) {
      // No conversation yet: an empty history, as long as the other user exists.
      if (!(await getUser(call.ctx.db, ref.userId))) throw ImErrors.noDialogAccess();
      return { chat_id: 0, messages: [], users: [], files: [] };
    }
  } else if (ref.kind === 'chat') {
    const chat = await getChat(call.ctx.db, ref.chatId);
    if (chat && (await isMember(call.ctx.db, chat.id, me))) chatId = chat.id;
  }
  if (chatId === null) throw ImErrors.noDialogAccess();

  const rows = await chatHistory(call.ctx.db, chatId, { firstId, lastId, limit });
  const lastRead = (await findReadMark(call.ctx.db, chatId, me)) ?? 0;
  const authorIds = [...new Set(rows.map((r) => r.author_id).filter((id) => id > 0))];
  const users = await getUsers(call.ctx.db, authorIds);
  const contexts: ForwardContexts = new Map();
  for (const sourceId of new Set(rows.map((r) => r.forward_chat_id).filter((id): id is number => typeof id === 'number' && id > 0))) {
    const source = await getChat(call.ctx.db, sourceId);
    contexts.set(sourceId, { private: source?.type === 'P', members: source?.type === 'P' ? await memberIds(call.ctx.db, sourceId) : [] });
  }
  return {
    chat_id: chatId,
    messages: rows.map((r) => formatImMessage(r, r.author_id !== me && r.id > lastRead, contexts)),
    users: users.map((u) => formatImUser(u)),
    files: await messageFileCards(call.ctx, rows, me),
  };
}

export const imMessageMethods: MethodSpec[] = [
  { name: 'im.message.add', scope: 'im', write: true, handler: messageAdd, onStoreFailure: ImErrors.cantCreateMessage },
  { name: 'im.message.update', scope: 'im', write: true, handler: messageUpdate, onStoreFailure: MessageErrors.cantEdit },
  { name: 'im.message.delete', scope: 'im', write: true, handler: messageDelete, onStoreFailure: MessageErrors.cantEdit },
  { name: 'im.message.like', scope: 'im', write: true, handler: messageLike, onStoreFailure: MessageErrors.withoutChanges },
  // a read: the files' download links are signed, not stored (src/im/download-links.ts)
  { name: 'im.dialog.messages.get', scope: 'im', handler: dialogMessagesGet },
  { name: 'im.dialog.read', scope: 'im', write: true, handler: dialogRead },
  { name: 'im.dialog.writing', scope: 'im', handler: dialogWriting },
];
