/**
 * Queries on chats and who is in them: `chats`, `chat_members` (roles; the read mark column is
 * read-state.ts's) and `private_dialogs` (the one chat of each pair of users). No access rules
 * here: those are src/im/chats.ts's.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import { isPostgres, type Db } from '../db.js';
import { preparedRead, preparedWrite } from '../prepared.js';
import type { ChatMembersTable, ChatsTable, PrivateDialogsTable } from '../schema.js';
import { deleteMessagesOfChats } from './messages.js';
import type { UserRow } from './users.js';

export type ChatRow = Selectable<ChatsTable>;
export type NewChatRow = Insertable<ChatsTable>;
export type ChatPatch = Updateable<ChatsTable>;
export type NewMemberRow = Insertable<ChatMembersTable>;
export type PrivateDialogRow = Selectable<PrivateDialogsTable>;

/** What a member row says besides who: role, read mark and mute flag. */
export type MemberRow = Pick<Selectable<ChatMembersTable>, 'user_id' | 'role' | 'last_read_message_id' | 'muted'>;

export function findChat(db: Db, chatId: number): Promise<ChatRow | undefined> {
  return chatById.first(db, chatId);
}

// Compiled once (store/prepared.ts): every message reads its chat, its author's membership and,
// in a dialog, the pair's chat; none of these can come from the read cache, whose `chats` and
// `chat_members` versions every message moves.
const chatById = preparedRead<[number], ChatRow>(1, (db, chatId) => db.selectFrom('chats').selectAll().where('id', '=', chatId));
const memberRole = preparedRead<[number, number], { role: string }>(2, (db, chatId, userId) =>
  db.selectFrom('chat_members').select('role').where('chat_id', '=', chatId).where('user_id', '=', userId),
);
const pairChat = preparedRead<[number, number], { chat_id: number }>(2, (db, lo, hi) =>
  db.selectFrom('private_dialogs').select('chat_id').where('user_lo', '=', lo).where('user_hi', '=', hi),
);

export async function insertChat(db: Db, row: NewChatRow): Promise<number> {
  const r = await db.insertInto('chats').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function updateChat(db: Db, chatId: number, patch: ChatPatch): Promise<void> {
  await db.updateTable('chats').set(patch).where('id', '=', chatId).execute();
}

export async function deleteChat(db: Db, chatId: number): Promise<void> {
  await db.deleteFrom('chats').where('id', '=', chatId).execute();
}

/**
 * Deletes chats outright: their messages, members, private-dialog index and the chat rows.
 */
export async function deleteChats(db: Db, chatIds: number[]): Promise<void> {
  if (chatIds.length === 0) return;
  await deleteMessagesOfChats(db, chatIds);
  await db.deleteFrom('chat_members').where('chat_id', 'in', chatIds).execute();
  await db.deleteFrom('private_dialogs').where('chat_id', 'in', chatIds).execute();
  await db.deleteFrom('chats').where('id', 'in', chatIds).execute();
}

/**
 * PostgreSQL: locks the chat row until the transaction ends, so writers to one chat take turns
 * (its message ids commit in id order). SQLite has one writer at a time: nothing to do.
 */
export async function lockChatForWrite(db: Db, chatId: number): Promise<void> {
  if (isPostgres(db)) await db.selectFrom('chats').select('id').where('id', '=', chatId).forUpdate().execute();
}

/** A new last message: the chat's last message id moves to it and its count grows by one. */
export async function chatMessageAdded(db: Db, chatId: number, messageId: number): Promise<void> {
  await messageAdded.all(db, messageId, chatId);
}

/** Compiled once (store/prepared.ts): every message runs it. */
const messageAdded = preparedWrite<[number, number], never>(2, (db, messageId, chatId) =>
  db
    .updateTable('chats')
    .set((eb) => ({ last_message_id: messageId, message_count: eb('message_count', '+', 1) }))
    .where('id', '=', chatId),
);

/** A message removed for good: the last message id becomes `lastId` and the count drops by one. */
export async function chatMessageRemoved(db: Db, chatId: number, lastId: number): Promise<void> {
  await db
    .updateTable('chats')
    .set((eb) => ({ last_message_id: lastId, message_count: eb('message_count', '-', 1) }))
    .where('id', '=', chatId)
    .execute();
}

/** The first chat (lowest id) bound to exactly this entity. */
export async function findChatIdByEntity(db: Db, entityType: string, entityId: string): Promise<number | null> {
  const row = await db
    .selectFrom('chats')
    .select('id')
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

// ---------------------------------------------------------------------------------------------
// Private dialogs: one chat per unordered pair of users.

const pair = (a: number, b: number): [number, number] => (a < b ? [a, b] : [b, a]);

/** The chat of users `a` and `b` (either order), null when they never wrote. */
export async function findPrivateChatId(db: Db, a: number, b: number): Promise<number | null> {
  const [lo, hi] = pair(a, b);
  return (await pairChat.first(db, lo, hi))?.chat_id ?? null;
}

/**
 * Records `chatId` as the chat of `a` and `b` unless the pair has one already (the pair is the
 * primary key: of two writers at once, one wins, the other gets false after the first commits).
 */
export async function pairPrivateChat(db: Db, a: number, b: number, chatId: number): Promise<boolean> {
  const [lo, hi] = pair(a, b);
  const row = await db
    .insertInto('private_dialogs')
    .values({ user_lo: lo, user_hi: hi, chat_id: chatId })
    .onConflict((oc) => oc.columns(['user_lo', 'user_hi']).doNothing())
    .returning('chat_id')
    .executeTakeFirst();
  return !!row;
}

/** The private-dialog rows of these chats (group chats have none). */
export async function listPrivatePairs(db: Db, chatIds: number[]): Promise<PrivateDialogRow[]> {
  if (chatIds.length === 0) return [];
  return db.selectFrom('private_dialogs').selectAll().where('chat_id', 'in', chatIds).execute();
}

// ---------------------------------------------------------------------------------------------
// Members.

export async function insertMembers(db: Db, rows: NewMemberRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('chat_members').values(rows).execute();
}

export async function deleteMember(db: Db, chatId: number, userId: number): Promise<void> {
  await db.deleteFrom('chat_members').where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
}

export async function memberExists(db: Db, chatId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
  return !!row;
}

/** A member's role, undefined for a non-member. */
export async function findMemberRole(db: Db, chatId: number, userId: number): Promise<string | undefined> {
  return (await memberRole.first(db, chatId, userId))?.role;
}

/**
 * Sets the role of these members; with `from`, only of those whose role is `from` now.
 */
export async function setMemberRole(db: Db, chatId: number, userIds: number[], role: string, from?: string): Promise<void> {
  if (userIds.length === 0) return;
  let q = db.updateTable('chat_members').set({ role }).where('chat_id', '=', chatId).where('user_id', 'in', userIds);
  if (from !== undefined) q = q.where('role', '=', from);
  await q.execute();
}

/** Member user ids of a chat, ascending. */
export async function listMemberIds(db: Db, chatId: number): Promise<number[]> {
  const rows = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

/** The member rows of a chat, by user id. */
export function listMembers(db: Db, chatId: number): Promise<MemberRow[]> {
  return db.selectFrom('chat_members').select(['user_id', 'role', 'last_read_message_id', 'muted']).where('chat_id', '=', chatId).orderBy('user_id').execute();
}

/** The member rows of a chat with each member's first and last name, by user id. */
export function listMembersWithNames(db: Db, chatId: number): Promise<(MemberRow & { name: string; last_name: string })[]> {
  return db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .select(['chat_members.user_id', 'chat_members.role', 'chat_members.last_read_message_id', 'chat_members.muted', 'users.name', 'users.last_name'])
    .where('chat_members.chat_id', '=', chatId)
    .orderBy('chat_members.user_id')
    .execute();
}

/** The active members of a chat as user rows with when each joined (no order). */
export function listActiveMemberUsers(db: Db, chatId: number): Promise<(UserRow & { joined_at: number })[]> {
  return db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .selectAll('users')
    .select('chat_members.joined_at')
    .where('chat_members.chat_id', '=', chatId)
    .where('users.active', '=', 1)
    .execute();
}

/** `chat_id`, `user_id` and `role` of every member of these chats. */
export async function listMembersOfChats(db: Db, chatIds: number[]): Promise<{ chat_id: number; user_id: number; role: string }[]> {
  if (chatIds.length === 0) return [];
  return db.selectFrom('chat_members').select(['chat_id', 'user_id', 'role']).where('chat_id', 'in', chatIds).execute();
}

/** Every chat `userId` is a member of, with that membership's role, mute flag and read mark. */
export function listMemberships(db: Db, userId: number): Promise<(ChatRow & { member_role: string; member_muted: number; member_read: number })[]> {
  return db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .selectAll('chats')
    .select(['chat_members.role as member_role', 'chat_members.muted as member_muted', 'chat_members.last_read_message_id as member_read'])
    .where('chat_members.user_id', '=', userId)
    .execute();
}

/** Group chats (closed and open) `userId` is a member of, and every open chat. */
export function visibleGroupChats(db: Db, userId: number): Promise<Selectable<ChatsTable>[]> {
  return db
    .selectFrom('chats')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('type', '=', 'O'),
        eb.and([eb('type', '=', 'C'), eb('id', 'in', eb.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId))]),
      ]),
    )
    .orderBy('id', 'desc')
    .execute();
}

/** The members' first and last names of the given chats. */
export function memberNames(db: Db, chatIds: number[]): Promise<{ chat_id: number; name: string; last_name: string }[]> {
  if (chatIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .select(['chat_members.chat_id', 'users.name', 'users.last_name'])
    .where('chat_members.chat_id', 'in', chatIds)
    .execute();
}

/** Mutes or unmutes `chatId` for `userId`; false when they are not a member. */
export async function setMuted(db: Db, chatId: number, userId: number, muted: boolean): Promise<boolean> {
  const r = await db
    .updateTable('chat_members')
    .set({ muted: muted ? 1 : 0 })
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// ---- what bot unregistration, addressing and the v2 bot gate need ----

/** Removes a user from every chat. */
export async function deleteMembershipsOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('chat_members').where('user_id', '=', userId).execute();
}

/** A chat's members in user id order with their kind and, for bots, the bot's type and openline flag. */
export function listMembersWithBotFlags(
  db: Db,
  chatId: number,
): Promise<{ user_id: number; role: string; external_auth_id: string; type: string | null; openline: string | null }[]> {
  return db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .leftJoin('bots', 'bots.bot_id', 'chat_members.user_id')
    .select(['chat_members.user_id', 'chat_members.role', 'users.external_auth_id', 'bots.type', 'bots.openline'])
    .where('chat_members.chat_id', '=', chatId)
    .orderBy('chat_members.user_id')
    .execute();
}

/** A member of the chat other than `userId` (a private chat's partner). */
export async function findOtherMemberId(db: Db, chatId: number, userId: number): Promise<number | undefined> {
  return (await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).where('user_id', '!=', userId).executeTakeFirst())?.user_id;
}

/** A chat of type S owned by `userId` with no members (a person's notification chat); its id. */
export async function insertSystemChat(db: Db, userId: number, now: number): Promise<number> {
  const chat = await db.insertInto('chats').values({ type: 'S', author_id: userId, owner_id: userId, created_at: now }).returning('id').executeTakeFirstOrThrow();
  return chat.id;
}
