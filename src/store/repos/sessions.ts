/**
 * Queries on browser sessions (`ui_sessions`): the PHPSESSID cookie value, its CSRF `sessid`,
 * the user and the expiry.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
import type { UiSessionsTable } from '../schema.js';

export type SessionRow = Selectable<UiSessionsTable>;
export type NewSessionRow = Insertable<UiSessionsTable>;

const byId = preparedRead<[string], SessionRow>(1, (db, id) => db.selectFrom('ui_sessions').selectAll().where('id', '=', id));

/** The session with this cookie value (hot: session auth; compiled once). */
export function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  return byId.first(db, id);
}

export async function insertSession(db: Db, row: NewSessionRow): Promise<void> {
  await db.insertInto('ui_sessions').values(row).execute();
}

/** A live-looking session joined with whether its user is active (the web messenger's cookie check). */
export function findSessionWithUser(db: Db, id: string): Promise<(Pick<SessionRow, 'id' | 'sessid' | 'user_id' | 'expires_at'> & { active: number }) | undefined> {
  return db
    .selectFrom('ui_sessions')
    .innerJoin('users', 'users.id', 'ui_sessions.user_id')
    .select(['ui_sessions.id', 'ui_sessions.sessid', 'ui_sessions.user_id', 'ui_sessions.expires_at', 'users.active'])
    .where('ui_sessions.id', '=', id)
    .executeTakeFirst();
}

export async function deleteSessionRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('ui_sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('ui_sessions').where('user_id', '=', userId).execute();
}

// ---- web sign-in passwords (`user_passwords`, migration 020) ----

/** Replaces a person's password hash. */
export async function replacePasswordHash(db: Db, userId: number, hash: string, updatedAt: number): Promise<void> {
  await db.deleteFrom('user_passwords').where('user_id', '=', userId).execute();
  await db.insertInto('user_passwords').values({ user_id: userId, hash, updated_at: updatedAt }).execute();
}

/** The active person (never a bot) whose login or e-mail is `login`, with their password hash. */
export function findPasswordByLogin(db: Db, login: string): Promise<{ id: number; hash: string } | undefined> {
  return db
    .selectFrom('users')
    .innerJoin('user_passwords', 'user_passwords.user_id', 'users.id')
    .select(['users.id', 'user_passwords.hash'])
    .where((eb) => eb.or([eb('users.login', '=', login), eb('users.email', '=', login)]))
    .where('users.active', '=', 1)
    .where('users.external_auth_id', '!=', 'bot')
    .executeTakeFirst();
}
