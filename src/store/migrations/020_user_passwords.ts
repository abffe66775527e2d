import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Passwords for the web messenger's sign-in (`user add --password`, `user password`): one scrypt
 * hash per person (src/auth/sessions.ts). Sessions already live in `ui_sessions`; signing out
 * or changing the password deletes them by user, hence the index.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('user_passwords')
    .addColumn('user_id', 'integer', (c) => c.primaryKey())
    .addColumn('hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('ui_sessions_user').on('ui_sessions').column('user_id').execute();
}
