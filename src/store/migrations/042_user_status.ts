import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * A person's messenger status (api-reference/chats/users/im-user-status-*): the one they chose
 * with im.user.status.set and, while im.user.status.idle.start holds, since when they are idle.
 * No row: never set (online, not idle).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('user_status')
    .addColumn('user_id', 'integer', (c) => c.primaryKey())
    /** online | dnd | away | break */
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('online'))
    /** portal time (ms) the idle period started; null when not idle */
    .addColumn('idle_since', 'bigint')
    .execute();
}
