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
