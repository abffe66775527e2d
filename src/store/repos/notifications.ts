/**
 * Queries on notifications, their per-person chat and the replies log. Plain functions over the
 * `Db` (database or transaction): rows in, rows out, no domain rules.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { NotificationRepliesTable, NotificationsTable } from '../schema.js';
import { insertSystemChat } from './chats.js';

export type NotificationRow = Selectable<NotificationsTable>;
export type NewNotification = Insertable<NotificationsTable>;
export type NotificationReplyRow = Selectable<NotificationRepliesTable>;

export async function notifyChatId(db: Db, userId: number): Promise<number | undefined> {
  const row = await db.selectFrom('notify_chats').select('chat_id').where('user_id', '=', userId).executeTakeFirst();
  return row?.chat_id;
}

/** Creates the person's notification chat (type S, no members, so no recent list shows it). */
export async function createNotifyChat(db: Db, userId: number, now: number): Promise<number> {
  const chatId = await insertSystemChat(db, userId, now);
  await db.insertInto('notify_chats').values({ user_id: userId, chat_id: chatId }).execute();
  return chatId;
}

export async function insertNotification(db: Db, row: NewNotification): Promise<number> {
  const r = await db.insertInto('notifications').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export function findNotification(db: Db, id: number): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteNotification(db: Db, id: number): Promise<number> {
  const r = await db.deleteFrom('notifications').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes by TAG or SUB_TAG, optionally only one recipient's; returns how many went. */
export async function deleteByTag(db: Db, column: 'tag' | 'sub_tag', value: string, userId?: number): Promise<number> {
  let q = db.deleteFrom('notifications').where(column, '=', value);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The people holding notifications with this TAG or SUB_TAG (whom a deletion by tag concerns). */
export async function recipientsWithTag(db: Db, column: 'tag' | 'sub_tag', value: string): Promise<number[]> {
  const rows = await db.selectFrom('notifications').select('user_id').distinct().where(column, '=', value).execute();
  return rows.map((r) => r.user_id);
}

export async function updateNotification(db: Db, id: number, patch: Partial<Pick<NotificationRow, 'is_read' | 'buttons'>>): Promise<void> {
  await db.updateTable('notifications').set(patch).where('id', '=', id).execute();
}

/** Sets the read flag of one person's notifications: one id, or every id from `fromId` up. */
export async function setRead(db: Db, userId: number, read: boolean, ids: { only: number } | { fromId: number } | 'all'): Promise<void> {
  let q = db.updateTable('notifications').set({ is_read: read ? 1 : 0 }).where('user_id', '=', userId);
  if (ids !== 'all') q = 'only' in ids ? q.where('id', '=', ids.only) : q.where('id', '>=', ids.fromId);
  await q.execute();
}

export async function countForUser(db: Db, userId: number): Promise<{ total: number; unread: number }> {
  const rows = await db
    .selectFrom('notifications')
    .select(['is_read', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('user_id', '=', userId)
    .groupBy('is_read')
    .execute();
  let total = 0;
  let unread = 0;
  for (const r of rows) {
    total += Number(r.n);
    if (r.is_read === 0) unread += Number(r.n);
  }
  return { total, unread };
}

export interface NotificationQuery {
  userId: number;
  /** confirm notifications only (true), everything else (false), or both (undefined) */
  confirm?: boolean;
  /** only ids below this one (the paging cursor) */
  beforeId?: number;
  modules?: { module: string; event?: string }[];
  authors?: number[];
  from?: number;
  to?: number;
  tag?: string;
  limit?: number;
}

/** One person's notifications, newest first (creation time, then id). */
export function listNotifications(db: Db, q: NotificationQuery): Promise<NotificationRow[]> {
  let s = db.selectFrom('notifications').selectAll().where('user_id', '=', q.userId);
  if (q.confirm !== undefined) s = s.where('notify_type', q.confirm ? '=' : '<>', 1);
  if (q.beforeId !== undefined) s = s.where('id', '<', q.beforeId);
  if (q.authors) s = s.where('author_id', 'in', q.authors.length ? q.authors : [-1]);
  if (q.from !== undefined) s = s.where('created_at', '>=', q.from);
  if (q.to !== undefined) s = s.where('created_at', '<', q.to);
  if (q.tag !== undefined) s = s.where('tag', '=', q.tag);
  const modules = q.modules;
  if (modules) {
    s = s.where((eb) =>
      eb.or(modules.map((m) => (m.event === undefined ? eb('module', '=', m.module) : eb.and([eb('module', '=', m.module), eb('event', '=', m.event)])))),
    );
  }
  s = s.orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (q.limit !== undefined) s = s.limit(q.limit);
  return s.execute();
}

export async function insertReply(db: Db, row: Insertable<NotificationRepliesTable>): Promise<void> {
  await db.insertInto('notification_replies').values(row).execute();
}

export function listReplies(db: Db, userId?: number): Promise<NotificationReplyRow[]> {
  let q = db.selectFrom('notification_replies').selectAll();
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.orderBy('id').execute();
}
