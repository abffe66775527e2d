/**
 * Queries on one member's own settings of a chat (`chat_members`): notifications muted, and the
 * read mark moved by hand (im.dialog.unread, im.dialog.read.all).
 */
import type { Db } from '../db.js';

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
