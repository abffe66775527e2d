import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const yn = (d: 'Y' | 'N') => (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(d);

/**
 * Custom user fields (api-reference/user/userfields/): one row per field (`UF_USR_…`, unique),
 * its settings and labels as JSON text; values per person and field, as JSON text (an array
 * for a multiple field).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  await db.schema
    .createTable('user_fields')
    .addColumn('id', 'integer', id)
    .addColumn('field_name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('user_type_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('xml_id', 'varchar(255)')
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('multiple', 'varchar(1)', yn('N'))
    .addColumn('mandatory', 'varchar(1)', yn('N'))
    .addColumn('show_filter', 'varchar(1)', yn('N'))
    .addColumn('show_in_list', 'varchar(1)', yn('Y'))
    .addColumn('edit_in_list', 'varchar(1)', yn('Y'))
    .addColumn('is_searchable', 'varchar(1)', yn('N'))
    /** JSON object */
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    /** JSON `{EDIT_FORM_LABEL: {en: …}, …}` */
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createTable('user_field_values')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('field_id', 'integer', (c) => c.notNull())
    /** JSON: a scalar, or an array for a multiple field */
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_field_values_pk', ['user_id', 'field_id'])
    .execute();
}
