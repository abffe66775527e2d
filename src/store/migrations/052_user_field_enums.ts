import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The `LIST` items of enumeration user fields (api-reference/user/userfields/user-userfield-list.md):
 * one row per item of one field — its value, default flag, sort and XML_ID. A person's value of
 * such a field is an item's id.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  await db.schema
    .createTable('user_field_enums')
    .addColumn('id', 'integer', id)
    .addColumn('field_id', 'integer', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addColumn('def', 'varchar(1)', (c) => c.notNull().defaultTo('N'))
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(500))
    .addColumn('xml_id', 'varchar(255)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_field_enums_field').on('user_field_enums').columns(['field_id', 'sort']).execute();
}
