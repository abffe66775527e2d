/** Messenger user cards (formatImUser with each person's presence) for many ids at once. */
import type { Db } from '../store/db.js';
import { formatImUser, getUsers } from './users.js';
import { presenceOf } from './user-status.js';

/** id → card for the ids that name a user; unknown ids are left out. */
export async function userCards(db: Db, ids: number[]): Promise<Map<number, Record<string, unknown>>> {
  const unique = [...new Set(ids)];
  const presence = await presenceOf(db, unique);
  return new Map((await getUsers(db, unique)).map((u) => [u.id, formatImUser(u, presence.get(u.id))]));
}
