/** Queries on `user_status`: people's chosen messenger status and idle start. */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { UserStatusTable } from '../schema.js';

export type UserStatusRow = Selectable<UserStatusTable>;

export function statusRows(db: Db, userIds: number[]): Promise<UserStatusRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('user_status').selectAll().where('user_id', 'in', userIds).execute();
}

/** Sets the given columns of one person's row, creating it when there is none. */
export async function upsertStatus(db: Db, userId: number, patch: { status?: string; idle_since?: number | null }): Promise<void> {
  await db
    .insertInto('user_status')
    .values({ user_id: userId, ...patch })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(patch))
    .execute();
}
