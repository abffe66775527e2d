import { CHAT_COLORS, createGroupChat, getChat, isMember, memberIds } from '../../im/chats.js';
import { normalizeText, postMessage } from '../../im/messages.js';
import { getUsers } from '../../im/users.js';
import { intval, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImErrors } from './errors.js';

/** USERS as an array of ids, or a JSON string of one; falsy entries dropped. */
function readUsers(raw: unknown): number[] {
  let list = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return [];
    try {
      list = JSON.parse(raw);
    } catch {
      throw ImErrors.usersWrongType();
    }
  }
  if (list === undefined || list === null || list === '') return [];
  const values = Array.isArray(list) ? list : typeof list === 'object' ? Object.values(list as object) : null;
  if (!values) throw ImErrors.usersWrongType();
  const out: number[] = [];
  for (const v of values) {
    if (typeof v !== 'number' && typeof v !== 'string') throw ImErrors.usersWrongType();
    const id = intval(v);
    if (id > 0) out.push(id);
  }
  return out;
}

/** im.chat.add: a person creates a group chat (closed unless TYPE=OPEN) and becomes its owner. */
async function chatAdd(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  const requested = readUsers(P.USERS);
  const existing = (await getUsers(call.ctx.db, requested)).filter((u) => u.active).map((u) => u.id);
  const color = phpString(P.COLOR).toUpperCase();
  const chatId = await createGroupChat(call.ctx, {
    type: P.TYPE === 'OPEN' ? 'O' : 'C',
    title: phpString(P.TITLE),
    description: phpString(P.DESCRIPTION),
    color: CHAT_COLORS.includes(color) ? color : undefined,
    authorId: call.caller.userId,
    users: existing,
    entityType: phpString(P.ENTITY_TYPE),
    entityId: phpString(P.ENTITY_ID),
  });
  const message = phpString(P.MESSAGE).trim();
  if (message !== '') await postMessage(call.ctx, { chatId, authorId: call.caller.userId, text: normalizeText(message) });
  return chatId;
}

/** im.chat.user.list: member ids of a chat the caller belongs to. */
async function chatUserList(call: MethodCall): Promise<number[]> {
  const P = upperKeys(call.params);
  const chatId = intval(P.CHAT_ID);
  if (chatId <= 0) throw ImErrors.chatIdEmpty();
  const chat = await getChat(call.ctx.db, chatId);
  if (!chat || !(await isMember(call.ctx.db, chatId, call.caller.userId))) throw ImErrors.accessError();
  return memberIds(call.ctx.db, chatId);
}

export const imChatMethods: MethodSpec[] = [
  { name: 'im.chat.add', scope: 'im', write: true, handler: chatAdd, onStoreFailure: ImErrors.cantCreateChat },
  { name: 'im.chat.user.list', scope: 'im', handler: chatUserList },
];
