/**
 * Queries on the people of one chat for im.dialog.users.list: active members, optionally without
 * some external user types (`external_auth_id`), in user id order, paged by offset or after an id.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { UsersTable } from '../schema.js';

export interface MemberQuery {
  /** external_auth_id values to leave out ('' never: people) */
  excludeTypes: string[];
}

function membersQuery(db: Db, chatId: number, q: MemberQuery) {
  let query = db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .where('chat_members.chat_id', '=', chatId)
    .where('users.active', '=', 1);
  if (q.excludeTypes.length) query = query.where('users.external_auth_id', 'not in', q.excludeTypes);
  return query;
}

export async function countMembers(db: Db, chatId: number, q: MemberQuery): Promise<number> {
  const row = await membersQuery(db, chatId, q).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A page of members: `afterId` (ids above it) or `offset`, at most `limit`. */
export function pageMembers(
  db: Db,
  chatId: number,
  q: MemberQuery & { limit: number; offset?: number; afterId?: number },
): Promise<Selectable<UsersTable>[]> {
  let query = membersQuery(db, chatId, q).selectAll('users');
  if (q.afterId !== undefined) query = query.where('users.id', '>', q.afterId);
  query = query.orderBy('users.id').limit(q.limit);
  if (q.afterId === undefined && q.offset) query = query.offset(q.offset);
  return query.execute();
}
