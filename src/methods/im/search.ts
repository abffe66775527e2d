/**
 * im.search.user.list / chat.list / department.list and the recent-search list
 * im.search.last.add / get / delete (api-reference/chats/search/).
 */
import { formatChat } from '../../im/chat-view.js';
import { getChat, canSeeChat } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { searchChats, searchDepartments, searchUsers } from '../../im/search.js';
import { userCards } from '../../im/user-cards.js';
import { fullName, getUser, userColor } from '../../im/users.js';
import { RestError } from '../../rest/errors.js';
import { assocOrEmpty, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import type { Db } from '../../store/db.js';
import { addLast, deleteLast, lastList } from '../../store/repos/search.js';
import { imDepartments, offsetLimit } from './departments.js';

const SearchErrors = {
  findShort: () => new RestError('FIND_SHORT', 'Too short a search phrase.'),
  dialogIdEmpty: () => new RestError('DIALOG_ID_EMPTY', "Dialog ID can't be empty"),
} as const;

/** The shortest phrase a search runs on. */
const MIN_FIND = 2;

const phrase = (v: unknown): string => phpString(v).trim();

/** The keys of a user card im.search.user.list shows, in its order. */
const SEARCH_USER_KEYS = [
  'id', 'name', 'first_name', 'last_name', 'work_position', 'color', 'avatar', 'gender', 'birthday', 'extranet', 'network', 'bot',
  'connector', 'external_auth_id', 'status', 'idle', 'last_activity_date', 'mobile_last_date', 'departments', 'absent', 'phones',
] as const;

/** FIND (at least 2 characters); BUSINESS is accepted (every user here is a business user). */
async function userList(call: MethodCall): Promise<Paged> {
  const P = upperKeys(call.params);
  const find = phrase(P.FIND);
  if ([...find].length < MIN_FIND) throw SearchErrors.findShort();
  const found = await searchUsers(call.ctx.db, find);
  const { offset, limit } = offsetLimit(P);
  const page = found.slice(offset, offset + limit);
  const cards = await userCards(call.ctx.db, page.map((u) => u.id));
  const items = assocOrEmpty(page.map((u) => [u.id, Object.fromEntries(SEARCH_USER_KEYS.map((k) => [k, cards.get(u.id)![k]]))]));
  return new Paged(items, found.length, offset + page.length < found.length ? offset + page.length : null);
}

/** A chat as the search shows it: the dialog card without the read and manager lists. */
async function searchChatCard(db: Db, chat: Parameters<typeof formatChat>[1], viewerId: number): Promise<Record<string, unknown>> {
  const { readed_list: _r, manager_list: _m, last_message_views: _v, ...card } = await formatChat(db, chat, viewerId);
  return card;
}

/** FIND, else FIND_LINES (open lines: none here), at least 2 characters. */
async function chatList(call: MethodCall): Promise<Paged> {
  const P = upperKeys(call.params);
  const find = phrase(P.FIND);
  const lines = find === '' ? phrase(P.FIND_LINES) : '';
  if ([...(find || lines)].length < MIN_FIND) throw SearchErrors.findShort();
  const found = find ? await searchChats(call.ctx.db, call.caller.userId, find) : [];
  const { offset, limit } = offsetLimit(P);
  const page = found.slice(offset, offset + limit);
  const items = [];
  for (const c of page) items.push(await searchChatCard(call.ctx.db, c, call.caller.userId));
  return Paged.of(items, offset, found.length);
}

/** FIND must be sent; a phrase under 2 characters lists every department. */
async function departmentList(call: MethodCall): Promise<Paged> {
  const P = upperKeys(call.params);
  if (P.FIND === undefined || P.FIND === null) throw SearchErrors.findShort();
  const find = phrase(P.FIND);
  const { rows, byId } = await searchDepartments(call.ctx.db, [...find].length < MIN_FIND ? null : find);
  const { offset, limit } = offsetLimit(P);
  const page = rows.slice(offset, offset + limit);
  const withUser = phpString(P.USER_DATA).toUpperCase() === 'Y';
  return Paged.of(await imDepartments(call.ctx.db, page, withUser, byId), offset, rows.length);
}

/** DIALOG_ID as the list stores it (`"42"`, `"chat7"`), if it names a user or a chat the caller may open. */
async function lastDialog(call: MethodCall, mustExist: boolean): Promise<string> {
  const ref = parseDialogId(upperKeys(call.params).DIALOG_ID);
  if (ref?.kind === 'user' && ref.userId > 0) {
    if (!mustExist || (await getUser(call.ctx.db, ref.userId))) return String(ref.userId);
  } else if (ref?.kind === 'chat' && ref.chatId > 0) {
    const chat = mustExist ? await getChat(call.ctx.db, ref.chatId) : undefined;
    if (!mustExist || (chat && (await canSeeChat(call.ctx.db, chat, call.caller.userId)))) return `chat${ref.chatId}`;
  }
  throw SearchErrors.dialogIdEmpty();
}

async function lastAdd(call: MethodCall): Promise<true> {
  await addLast(call.ctx.db, call.caller.userId, await lastDialog(call, true), call.ctx.clock.now());
  return true;
}

const CHAT_ITEM_KEYS = ['id', 'name', 'owner', 'extranet', 'avatar', 'color', 'type', 'entity_type', 'entity_id', 'entity_data_1', 'entity_data_2', 'entity_data_3', 'mute_list', 'date_create', 'message_type'] as const;

/** The list, newest first; SKIP_CHAT, SKIP_DIALOG, SKIP_OPENLINES leave those kinds out; entries whose dialog is gone are skipped. */
async function lastGet(call: MethodCall): Promise<unknown[]> {
  const P = upperKeys(call.params);
  const yes = (v: unknown) => phpString(v).toUpperCase() === 'Y';
  const db = call.ctx.db;
  const me = call.caller.userId;
  const out: unknown[] = [];
  for (const id of await lastList(db, me)) {
    if (id.startsWith('chat')) {
      if (yes(P.SKIP_CHAT)) continue;
      const chat = await getChat(db, Number(id.slice(4)));
      if (!chat || (chat.type === 'L' && yes(P.SKIP_OPENLINES)) || !(await canSeeChat(db, chat, me))) continue;
      const card = await formatChat(db, chat, me);
      out.push({
        id,
        type: 'chat',
        avatar: { url: chat.avatar, color: card.color },
        title: chat.title,
        chat: Object.fromEntries(CHAT_ITEM_KEYS.map((k) => [k, card[k]])),
      });
    } else {
      if (yes(P.SKIP_DIALOG)) continue;
      const user = await getUser(db, Number(id));
      if (!user) continue;
      const card = (await userCards(db, [user.id])).get(user.id)!;
      out.push({ id: user.id, type: 'user', avatar: { url: '', color: userColor(user) }, title: fullName(user), user: card });
    }
  }
  return out;
}

async function lastDelete(call: MethodCall): Promise<boolean> {
  return deleteLast(call.ctx.db, call.caller.userId, await lastDialog(call, false));
}

export const searchMethods: MethodSpec[] = [
  { name: 'im.search.user.list', scope: 'im', handler: userList },
  { name: 'im.search.chat.list', scope: 'im', handler: chatList },
  { name: 'im.search.department.list', scope: 'im', handler: departmentList },
  { name: 'im.search.last.add', scope: 'im', write: true, handler: lastAdd },
  { name: 'im.search.last.get', scope: 'im', handler: lastGet },
  { name: 'im.search.last.delete', scope: 'im', write: true, handler: lastDelete },
];
