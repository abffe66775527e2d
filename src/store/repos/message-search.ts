/**
 * The message search of im.dialog.messages.search: one chat's live messages filtered by text
 * (case-insensitive substring), a time range and a cursor, in id order.
 */
import { sql, type Selectable } from 'kysely';
import type { Db } from '../db.js';
import { isPostgres } from '../db.js';
import type { MessagesTable } from '../schema.js';

export interface MessageSearch {
  chatId: number;
  /** substring of the text; null: any text */
  text: string | null;
  /** created_at range in ms, inclusive from, exclusive to */
  from?: number;
  to?: number;
  /** messages older (desc) or newer (asc) than this id */
  lastId?: number;
  /** only messages from this id on (history hidden from a later joiner) */
  startId?: number;
  desc: boolean;
  limit: number;
}

export function searchMessages(db: Db, s: MessageSearch): Promise<Selectable<MessagesTable>[]> {
  let q = db.selectFrom('messages').selectAll().where('chat_id', '=', s.chatId).where('deleted', '=', 0);
  if (s.text !== null) {
    const needle = s.text.toLowerCase();
    q = q.where(isPostgres(db) ? sql<boolean>`strpos(lower(text), ${needle}) > 0` : sql<boolean>`instr(lower(text), ${needle}) > 0`);
  }
  if (s.from !== undefined) q = q.where('created_at', '>=', s.from);
  if (s.to !== undefined) q = q.where('created_at', '<', s.to);
  if (s.startId !== undefined) q = q.where('id', '>=', s.startId);
  if (s.lastId !== undefined && s.lastId > 0) q = q.where('id', s.desc ? '<' : '>', s.lastId);
  return q.orderBy('id', s.desc ? 'desc' : 'asc').limit(s.limit).execute();
}

/** Every reaction on the given messages (message id, user, code), oldest first. */
export function reactionsOn(db: Db, messageIds: number[]): Promise<{ message_id: number; user_id: number; reaction: string }[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('message_reactions')
    .select(['message_id', 'user_id', 'reaction'])
    .where('message_id', 'in', messageIds)
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();
}
