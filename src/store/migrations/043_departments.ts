import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The company structure (api-reference/departments/department-*): a tree of departments, each
 * with a name, a sort number, its parent (0 for the one top-level department, made at the
 * portal's first start) and its head (a user id, 0 for none). People name their departments in
 * `users.departments` (UF_DEPARTMENT).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  await db.schema
    .createTable('departments')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(500))
    .addColumn('parent_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('head_id', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('departments_parent').on('departments').columns(['parent_id']).execute();
  // A portal made before this migration gets the top-level department a new one starts with.
  const made = await db.selectFrom('portal').select('value').where('key', '=', 'member_id').executeTakeFirst();
  if (made) await db.insertInto('departments').values({ name: 'My Company', sort: 500, parent_id: 0, head_id: 1 }).execute();
}
