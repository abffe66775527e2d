import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Application data (api-reference/common/settings/*): `app.option.set` keys per application and
 * `user.option.set` keys per application and user. `value` is the JSON of what the call sent.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('app_options')
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_options_pk', ['app_id', 'name'])
    .execute();
  await db.schema
    .createTable('user_options')
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_options_pk', ['app_id', 'user_id', 'name'])
    .execute();
}
