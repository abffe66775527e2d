/**
 * Queries on `users`: the portal's people and bot users. Rows in, rows out; what a user card
 * shows and how user.get filters are src/im/users.ts's.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
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

/** Active users, in id order (the people a messenger search may find). */
export function activeUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('active', '=', 1).orderBy('id').execute();
}

/** People (not bots) with their department lists (`departments`, JSON int arrays). */
export function peopleDepartments(db: Db): Promise<{ id: number; active: number; departments: string }[]> {
  return db.selectFrom('users').select(['id', 'active', 'departments']).where('external_auth_id', '!=', 'bot').orderBy('id').execute();
}

/** Replaces one person's department list. */
export async function setPersonDepartments(db: Db, userId: number, departments: number[]): Promise<void> {
  await db.updateTable('users').set({ departments: JSON.stringify(departments) }).where('id', '=', userId).execute();
}

/** The id of a user (other than `exceptId`) whose e-mail is `email`, any case. */
export async function userWithEmail(db: Db, email: string, exceptId = 0): Promise<number | undefined> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .where('id', '!=', exceptId)
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}

/** Sets the given columns of one user (user.update). */
export async function updateUserColumns(db: Db, id: number, patch: Updateable<UsersTable>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}
