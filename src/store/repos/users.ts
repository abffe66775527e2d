/**
 * Queries on `users`: the portal's people and bot users. Rows in, rows out; what a user card
 * shows and how user.get filters are src/im/users.ts's.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { UsersTable } from '../schema.js';

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;

export async function insertUser(db: Db, row: NewUserRow): Promise<number> {
  const r = await db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function setUserLogin(db: Db, id: number, login: string): Promise<void> {
  await db.updateTable('users').set({ login }).where('id', '=', id).execute();
}

export function findUser(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function userExists(db: Db, id: number): Promise<boolean> {
  return !!(await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst());
}

/** Every user, bots included, in id order. */
export function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('id').execute();
}

/** The users among `ids` that exist, in id order. */
export async function findUsers(db: Db, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

/** Users whose EXTERNAL_AUTH_ID is none of `authIds`, in id order. */
export function listUsersExcept(db: Db, authIds: readonly string[]): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('external_auth_id', 'not in', [...authIds]).orderBy('id').execute();
}

/** The active users among `ids`, in id order, with whether each is a bot user. */
export async function activeUsersAmong(db: Db, ids: number[]): Promise<{ id: number; bot: boolean }[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').select(['id', 'external_auth_id']).where('id', 'in', ids).where('active', '=', 1).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, bot: r.external_auth_id === 'bot' }));
}
