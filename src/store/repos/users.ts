/**
 * Queries on `users` (people and bot users).
 */
import type { Updateable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
import type { UsersTable } from '../schema.js';

// ---- block added by store-bots (bots/, auth/, testing/): functions store-im's module lacked ----

export type UserPatch = Updateable<Omit<UsersTable, 'id'>>;

export async function setUserFields(db: Db, id: number, patch: UserPatch): Promise<void> {
  if (Object.keys(patch).length) await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function deleteUserRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** The id of the active user with this login (exact match). */
export async function findActiveUserIdByLogin(db: Db, login: string): Promise<number | undefined> {
  return (await db.selectFrom('users').select('id').where('login', '=', login).where('active', '=', 1).executeTakeFirst())?.id;
}

/** What a call's authentication checks of its user. */
export interface UserAccess {
  active: number;
  is_admin: number;
  external_auth_id: string;
}

const access = preparedRead<[number], UserAccess>(1, (db, id) => db.selectFrom('users').select(['active', 'is_admin', 'external_auth_id']).where('id', '=', id));

/** A user's active and admin flags and kind (hot: every authenticated call; compiled once). */
export function findUserAccess(db: Db, id: number): Promise<UserAccess | undefined> {
  return access.first(db, id);
}

/** The highest user id, 0 when there are none. */
export async function maxUserId(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}
