import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Local OAuth applications (issue 5): who may use the app (`access`, comma list of user ids,
 * '' = everyone), the user whose tokens ONAPPINSTALL carries, and where ONAPPUNINSTALL goes.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('apps').addColumn('access', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('apps').addColumn('install_user_id', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('apps').addColumn('uninstall_url', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.createIndex('oauth_tokens_kind_token').on('oauth_tokens').columns(['kind', 'token']).execute();
}
