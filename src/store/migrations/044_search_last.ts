import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * A person's recent-search list (api-reference/chats/search/im-search-last-*): the dialogs they
 * picked from a search, newest first. `dialog_id` is the dialog as the API names it (`"42"`,
 * `"chat7"`); `added_at` is portal time (ms) and orders the list.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('search_last')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('dialog_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('search_last_pk', ['user_id', 'dialog_id'])
    .execute();
}
