/**
 * Queries on browser sessions (`ui_sessions`): the `PHPSESSID` cookie and its `sessid` of a
 * logged-in user. No rules here: who may open one is the caller's business.
 */
import type { Db } from '../db.js';

export interface NewUiSession {
  id: string;
  sessid: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
}

export async function insertUiSession(db: Db, s: NewUiSession): Promise<void> {
  await db
    .insertInto('ui_sessions')
    .values({ id: s.id, sessid: s.sessid, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt })
    .execute();
}
