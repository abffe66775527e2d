/**
 * Queries on `users`: the portal's people and bot users. Rows in, rows out; what a user card
 * shows and how user.get filters are src/im/users.ts's.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
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
  return userById.first(db, id);
}

/** Compiled once (store/prepared.ts): the user row every message and user card starts from. */
const userById = preparedRead<[number], UserRow>(1, (db, id) => db.selectFrom('users').selectAll().where('id', '=', id));

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

// ---- what bot registration, authentication and the testing API need ----

export type UserPatch = Updateable<Omit<UsersTable, 'id'>>;

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

// ---- what the web messenger's sign-in and contact list need ----

/** Active users whose EXTERNAL_AUTH_ID is none of `authIds`, in id order (the people picker). */
export function listActiveUsersExcept(db: Db, authIds: readonly string[]): Promise<{ id: number; name: string; last_name: string; is_admin: number; work_position: string }[]> {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'last_name', 'is_admin', 'work_position'])
    .where('active', '=', 1)
    .where('external_auth_id', 'not in', [...authIds])
    .orderBy('id')
    .execute();
}

/**
 * Active users but `userId` and those of `authIds`, with the bot type of bots (network bots, type
 * N, left out), in id order: whom a person may start a chat with.
 */
export function listContacts(
  db: Db,
  userId: number,
  authIds: readonly string[],
): Promise<{ id: number; name: string; last_name: string; work_position: string; external_auth_id: string; type: string | null }[]> {
  return db
    .selectFrom('users')
    .leftJoin('bots', 'bots.bot_id', 'users.id')
    .select(['users.id', 'users.name', 'users.last_name', 'users.work_position', 'users.external_auth_id', 'bots.type'])
    .where('users.active', '=', 1)
    .where('users.id', '!=', userId)
    .where('users.external_auth_id', 'not in', [...authIds])
    .where((eb) => eb.or([eb('bots.type', 'is', null), eb('bots.type', '!=', 'N')]))
    .orderBy('users.id')
    .execute();
}

/** A person's fields a seed sets. */
export interface SeedPerson {
  name: string;
  last_name: string;
  email: string;
  is_admin: number;
  work_position: string;
  personal_gender: string;
}

export async function updateSeedPerson(db: Db, id: number, fields: SeedPerson): Promise<void> {
  await db.updateTable('users').set(fields).where('id', '=', id).execute();
}

/** A person with a fixed id (the caller continues the id sequence afterwards). */
export async function insertSeedPerson(db: Db, id: number, fields: SeedPerson, registeredAt: number): Promise<void> {
  await db.insertInto('users').values({ id, login: `user${id}`, user_type: 'employee', departments: '[1]', date_register: registeredAt, ...fields }).execute();
}
