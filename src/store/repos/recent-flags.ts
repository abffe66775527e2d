/**
 * Queries on `recent_flags`: one person's marks on their recent-list entries (pinned, the manual
 * "unread" mark, hidden). Absent row = no marks.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { RecentFlagsTable } from '../schema.js';

export type RecentFlagsRow = Selectable<RecentFlagsTable>;

type FlagsPatch = { pinned?: number; pin_sort?: number; unread?: number; hidden_up_to?: number | null };

/** Every marked entry of `userId`, by chat id. */
export async function flagsOf(db: Db, userId: number): Promise<Map<number, RecentFlagsRow>> {
  const rows = await db.selectFrom('recent_flags').selectAll().where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.chat_id, r]));
}

/** Sets the given marks of one entry, creating its row when there is none. */
export async function setFlags(db: Db, userId: number, chatId: number, patch: FlagsPatch): Promise<void> {
  await db
    .insertInto('recent_flags')
    .values({ user_id: userId, chat_id: chatId, ...patch })
    .onConflict((oc) => oc.columns(['user_id', 'chat_id']).doUpdateSet(patch))
    .execute();
}

/** Clears the manual "unread" mark of one entry (chatId given) or of all of `userId`'s entries. */
export async function clearUnread(db: Db, userId: number, chatId?: number): Promise<void> {
  let q = db.updateTable('recent_flags').set({ unread: 0 }).where('user_id', '=', userId).where('unread', '=', 1);
  if (chatId !== undefined) q = q.where('chat_id', '=', chatId);
  await q.execute();
}
