/** Queries behind the messenger's search: what a person may find, and their recent-search list. */
import type { Db } from '../db.js';
import type { ChatsTable, UsersTable } from '../schema.js';
import type { Selectable } from 'kysely';

/** Active users with what a people search matches on, by id. */
export function activeUsers(db: Db): Promise<Selectable<UsersTable>[]> {
  return db.selectFrom('users').selectAll().where('active', '=', 1).orderBy('id').execute();
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
