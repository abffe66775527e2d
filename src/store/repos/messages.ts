/**
 * Queries on `messages` (text, params JSON with likes and rich content, forward origin) and
 * `message_reactions` (v2 reactions other than the like). What a change means and which events it
 * raises are src/im/messages.ts's and src/im/reactions.ts's.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead, preparedWrite } from '../prepared.js';
import type { MessagesTable } from '../schema.js';

export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type MessagePatch = Updateable<MessagesTable>;

/** Every column a new message is written with (the rest take their defaults). */
const NEW_MESSAGE_COLUMNS = [
  'chat_id',
  'author_id',
  'text',
  'system',
  'params',
  'uuid',
  'reply_id',
  'forward_id',
  'forward_user_id',
  'forward_chat_id',
  'forward_date',
  'created_at',
] as const;

/** Compiled once (store/prepared.ts): every message posted (im/messages.ts) is written by it. */
const insertMessageStatement = preparedWrite<unknown[], { id: number }>(NEW_MESSAGE_COLUMNS.length, (db, ...values) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(NEW_MESSAGE_COLUMNS.map((c, i) => [c, values[i]])) as NewMessageRow)
    .returning('id'),
);

/** A row that gives exactly the columns of a posted message takes the compiled statement. */
function postedShape(row: NewMessageRow): boolean {
  const keys = Object.keys(row);
  return keys.length === NEW_MESSAGE_COLUMNS.length && NEW_MESSAGE_COLUMNS.every((c) => row[c] !== undefined);
}

export async function insertMessage(db: Db, row: NewMessageRow): Promise<number> {
  if (postedShape(row)) {
    const r = await insertMessageStatement.first(db, ...NEW_MESSAGE_COLUMNS.map((c) => row[c]));
    if (!r) throw new Error('a message insert returned no id');
    return r.id;
  }
  const r = await db.insertInto('messages').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function findMessage(db: Db, id: number): Promise<MessageRow | undefined> {
  return messageById.first(db, id);
}

/** Compiled once (store/prepared.ts): the bot events of every message read it back. */
const messageById = preparedRead<[number], MessageRow>(1, (db, id) => db.selectFrom('messages').selectAll().where('id', '=', id));

/** The messages among `ids` that exist (no order). */
export async function findMessages(db: Db, ids: number[]): Promise<MessageRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('messages').selectAll().where('id', 'in', ids).execute();
}

/** The message posted into a chat under this uuid, if any. */
export async function findMessageIdByUuid(db: Db, chatId: number, uuid: string): Promise<number | null> {
  const row = await db.selectFrom('messages').select('id').where('chat_id', '=', chatId).where('uuid', '=', uuid).executeTakeFirst();
  return row?.id ?? null;
}

export async function updateMessage(db: Db, id: number, patch: MessagePatch): Promise<void> {
  await db.updateTable('messages').set(patch).where('id', '=', id).execute();
}

/** Removes the message row (its reactions are deleteReactionsOf's). */
export async function deleteMessageRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('messages').where('id', '=', id).execute();
}

export async function deleteMessagesOfChats(db: Db, chatIds: number[]): Promise<void> {
  if (chatIds.length === 0) return;
  await db.deleteFrom('messages').where('chat_id', 'in', chatIds).execute();
}

/** The highest message id of a chat, 0 when it has none. */
export async function lastMessageId(db: Db, chatId: number): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('id').as('id')).where('chat_id', '=', chatId).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** Each author's highest message id in a chat (author id → id). */
export async function lastMessageIdByAuthor(db: Db, chatId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('messages')
    .select(['author_id', (eb) => eb.fn.max<number>('id').as('last')])
    .where('chat_id', '=', chatId)
    .groupBy('author_id')
    .execute();
  return new Map(rows.map((r) => [r.author_id, Number(r.last)]));
}

export interface HistoryPage {
  /** messages newer than this id (the page nearest to it) */
  firstId?: number;
  /** messages older than this id */
  lastId?: number;
  limit: number;
}

/**
 * A page of a chat's messages, deleted stubs included, newest first: above `firstId` the `limit`
 * oldest of them; else below `lastId` (or from the newest) the `limit` newest.
 */
export async function listChatHistory(db: Db, chatId: number, q: HistoryPage): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().where('chat_id', '=', chatId);
  if (q.firstId !== undefined && q.firstId > 0) {
    const rows = await query.where('id', '>', q.firstId).orderBy('id', 'asc').limit(q.limit).execute();
    return rows.reverse();
  }
  if (q.lastId !== undefined && q.lastId > 0) query = query.where('id', '<', q.lastId);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

/** Up to `limit` messages of a chat on one side of `centreId`, nearest first. */
export function listNeighbours(db: Db, chatId: number, centreId: number, side: 'before' | 'after', limit: number): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('id', side === 'before' ? '<' : '>', centreId)
    .orderBy('id', side === 'before' ? 'desc' : 'asc')
    .limit(limit)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Reactions (the like lives in the message's params.LIKE instead).

/** The reaction codes `userId` set on a message, as stored (no order). */
export async function listReactionsOf(db: Db, messageId: number, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('message_reactions').select('reaction').where('message_id', '=', messageId).where('user_id', '=', userId).execute();
  return rows.map((r) => r.reaction);
}

export async function insertReaction(db: Db, messageId: number, userId: number, reaction: string, at: number): Promise<void> {
  await db.insertInto('message_reactions').values({ message_id: messageId, user_id: userId, reaction, created_at: at }).execute();
}

/** Removes one reaction; false when there was none. */
export async function deleteReaction(db: Db, messageId: number, userId: number, reaction: string): Promise<boolean> {
  const r = await db
    .deleteFrom('message_reactions')
    .where('message_id', '=', messageId)
    .where('user_id', '=', userId)
    .where('reaction', '=', reaction)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Removes every reaction on a message. */
export async function deleteReactionsOf(db: Db, messageId: number): Promise<void> {
  await db.deleteFrom('message_reactions').where('message_id', '=', messageId).execute();
}

/** Live messages of a chat whose params mention FILE_ID (the caller checks which file). */
export function messagesWithFiles(db: Db, chatId: number): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('deleted', '=', 0)
    .where('params', 'like', '%FILE_ID%')
    .orderBy('id')
    .execute();
}

// ---- what bot addressing and the v2 Bot entity need ----

/** The id of the chat's message just before `messageId`, if any. */
export async function findPreviousMessageId(db: Db, chatId: number, messageId: number): Promise<number | undefined> {
  return (await db.selectFrom('messages').select('id').where('chat_id', '=', chatId).where('id', '<', messageId).orderBy('id', 'desc').limit(1).executeTakeFirst())?.id;
}

/** How many messages a user wrote that are not deleted. */
export async function countMessagesBy(db: Db, authorId: number): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('author_id', '=', authorId).where('deleted', '=', 0).executeTakeFirst();
  return Number(row?.n ?? 0);
}
