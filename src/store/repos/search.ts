/** Queries on `search_last`: a person's recent-search list (im.search.last.*). */
import type { Db } from '../db.js';

/**
 * Adds a dialog to a person's recent-search list, or moves it to the top: its key is `now`, or
 * one past the newest entry's when that is not older (two adds within one millisecond keep
 * their order).
 */
export async function addLast(db: Db, userId: number, dialogId: string, now: number): Promise<void> {
  const top = await db.selectFrom('search_last').select((eb) => eb.fn.max('added_at').as('m')).where('user_id', '=', userId).executeTakeFirst();
  const at = Math.max(now, Number(top?.m ?? 0) + 1);
  await db
    .insertInto('search_last')
    .values({ user_id: userId, dialog_id: dialogId, added_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'dialog_id']).doUpdateSet({ added_at: at }))
    .execute();
}

/** A person's recent-search list, newest first. */
export async function lastList(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('search_last').select('dialog_id').where('user_id', '=', userId).orderBy('added_at', 'desc').execute();
  return rows.map((r) => r.dialog_id);
}

/** Removes one dialog from the list; whether it was there. */
export async function deleteLast(db: Db, userId: number, dialogId: string): Promise<boolean> {
  const r = await db.deleteFrom('search_last').where('user_id', '=', userId).where('dialog_id', '=', dialogId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
