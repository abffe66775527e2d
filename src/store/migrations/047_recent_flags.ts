import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * One person's marks on one entry of their recent list (api-reference/chats/special-operations):
 * pinned (im.recent.pin, `pin_sort` orders pinned entries, newest pin first), the manual
 * "unread" mark (im.recent.unread) and hidden (im.recent.hide: the entry stays hidden while the
 * chat's last message id is at most `hidden_up_to`; a new message brings it back). No row: no marks.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('recent_flags')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pin_sort', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(0))
    /** null: not hidden */
    .addColumn('hidden_up_to', 'integer')
    .addPrimaryKeyConstraint('recent_flags_pk', ['user_id', 'chat_id'])
    .execute();
}
