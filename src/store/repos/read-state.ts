/**
 * Queries on what members have read: each membership's read mark
 * (`chat_members.last_read_message_id`) against the chat's `messages`. Unread means another
 * member's live (not deleted) message above the reader's mark.
 */
import type { Db } from '../db.js';
import { preparedWrite } from '../prepared.js';

/** A member's read mark; undefined for a non-member. */
export async function findReadMark(db: Db, chatId: number, userId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('chat_members')
    .select('last_read_message_id')
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.last_read_message_id;
}

/** Sets a member's read mark (no change for a non-member). */
export async function setReadMark(db: Db, chatId: number, userId: number, messageId: number): Promise<void> {
  await readMark.all(db, messageId, chatId, userId);
}

/** Compiled once (store/prepared.ts): every message moves its author's mark. */
const readMark = preparedWrite<[number, number, number], never>(3, (db, messageId, chatId, userId) =>
  db.updateTable('chat_members').set({ last_read_message_id: messageId }).where('chat_id', '=', chatId).where('user_id', '=', userId),
);

/** Every member's read mark in a chat (no order). */
export function listReadMarks(db: Db, chatId: number): Promise<{ user_id: number; last_read_message_id: number }[]> {
  return db.selectFrom('chat_members').select(['user_id', 'last_read_message_id']).where('chat_id', '=', chatId).execute();
}

/** How many of others' live messages lie above the member's own read mark (0 for a non-member). */
export async function countUnread(db: Db, chatId: number, userId: number): Promise<number> {
  const row = await db
    .selectFrom('messages')
    .innerJoin('chat_members', (j) => j.onRef('chat_members.chat_id', '=', 'messages.chat_id').on('chat_members.user_id', '=', userId))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('messages.chat_id', '=', chatId)
    .where('messages.deleted', '=', 0)
    .where('messages.author_id', '!=', userId)
    .whereRef('messages.id', '>', 'chat_members.last_read_message_id')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Others' live messages above `afterId`: how many, and the first one's id (0 when none). */
export async function unreadAbove(db: Db, chatId: number, userId: number, afterId: number): Promise<{ count: number; firstId: number }> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('id').as('first')])
    .where('chat_id', '=', chatId)
    .where('deleted', '=', 0)
    .where('id', '>', afterId)
    .where('author_id', '!=', userId)
    .executeTakeFirst();
  return { count: Number(row?.n ?? 0), firstId: Number(row?.first ?? 0) };
}

/** Unread counts of every chat `userId` belongs to that has any (chat id → count). */
export async function countUnreadByChat(db: Db, userId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('messages')
    .innerJoin('chat_members', (j) => j.onRef('chat_members.chat_id', '=', 'messages.chat_id').on('chat_members.user_id', '=', userId))
    .select(['messages.chat_id as chat_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('messages.deleted', '=', 0)
    .where('messages.author_id', '!=', userId)
    .whereRef('messages.id', '>', 'chat_members.last_read_message_id')
    .groupBy('messages.chat_id')
    .execute();
  return new Map(rows.map((r) => [r.chat_id, Number(r.n)]));
}

/** Ids of others' live messages in (afterId, upToId], ascending. */
export async function listUnreadBetween(db: Db, chatId: number, userId: number, afterId: number, upToId: number): Promise<number[]> {
  if (upToId <= afterId) return [];
  const rows = await db
    .selectFrom('messages')
    .select('id')
    .where('chat_id', '=', chatId)
    .where('deleted', '=', 0)
    .where('author_id', '!=', userId)
    .where('id', '>', afterId)
    .where('id', '<=', upToId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Moves `userId`'s read mark in `chatId` back to just before `messageId` (messages from it on
 * become unread); a mark already before it stays. False when they are not a member.
 */
export async function markUnreadFrom(db: Db, chatId: number, userId: number, messageId: number): Promise<boolean> {
  const member = await db
    .selectFrom('chat_members')
    .select('last_read_message_id')
    .where('chat_id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) return false;
  const mark = messageId - 1;
  if (member.last_read_message_id > mark) {
    await db.updateTable('chat_members').set({ last_read_message_id: mark }).where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  }
  return true;
}

/**
 * Reads every chat of `userId` up to its last message; returns the chats whose mark moved, with
 * their new mark.
 */
export async function readAllChats(db: Db, userId: number): Promise<{ chatId: number; lastId: number }[]> {
  const rows = await db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .select(['chats.id as chatId', 'chats.last_message_id as lastId'])
    .where('chat_members.user_id', '=', userId)
    .whereRef('chat_members.last_read_message_id', '<', 'chats.last_message_id')
    .execute();
  for (const r of rows) {
    await db.updateTable('chat_members').set({ last_read_message_id: r.lastId }).where('chat_id', '=', r.chatId).where('user_id', '=', userId).execute();
  }
  return rows;
}
