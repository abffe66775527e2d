import { getChat, isMember, openPrivateChat, privateChatId } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { chatHistory, formatImMessage, normalizeText, postMessage } from '../../im/messages.js';
import { formatImUser, getUser, getUsers } from '../../im/users.js';
import { intval, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImErrors } from './errors.js';

/** im.message.add: a person writes into a private or group chat as themselves. */
async function messageAdd(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  const me = call.caller.userId;
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref || (ref.kind === 'user' && ref.userId <= 0)) throw ImErrors.userIdEmpty();
  const text = phpString(P.MESSAGE).trim();
  if (text === '') throw ImErrors.messageEmpty();

  let chatId: number;
  if (ref.kind === 'user') {
    const other = await getUser(call.ctx.db, ref.userId);
    if (!other || !other.active) throw ImErrors.userNotFound();
    chatId = (await openPrivateChat(call.ctx, me, other.id)).chatId;
  } else if (ref.kind === 'chat') {
    const chat = await getChat(call.ctx.db, ref.chatId);
    if (!chat || !(await isMember(call.ctx.db, chat.id, me))) throw ImErrors.accessError();
    chatId = chat.id;
  } else {
    throw ImErrors.accessError();
  }
  const params: Record<string, unknown> = {};
  if (P.URL_PREVIEW === 'N') params.URL_PREVIEW = 'N';
  return postMessage(call.ctx, { chatId, authorId: me, text: normalizeText(text), system: P.SYSTEM === 'Y', params });
}

function idParam(v: unknown): number | 'string' | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return intval(v);
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
  const member = await call.ctx.db
    .selectFrom('chat_members')
    .select('last_read_message_id')
    .where('chat_id', '=', chatId)
    .where('user_id', '=', me)
    .executeTakeFirst();
  const lastRead = member?.last_read_message_id ?? 0;
  const authorIds = [...new Set(rows.map((r) => r.author_id).filter((id) => id > 0))];
  const users = await getUsers(call.ctx.db, authorIds);
  return {
    chat_id: chatId,
    messages: rows.map((r) => formatImMessage(r, r.author_id !== me && r.id > lastRead)),
    users: users.map(formatImUser),
    files: [],
  };
}

export const imMessageMethods: MethodSpec[] = [
  { name: 'im.message.add', scope: 'im', write: true, handler: messageAdd, onStoreFailure: ImErrors.cantCreateMessage },
  { name: 'im.dialog.messages.get', scope: 'im', handler: dialogMessagesGet },
];
