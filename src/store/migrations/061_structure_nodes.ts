import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The company structure seen through humanresources.* (api-reference/departments/node/): the
 * `departments` tree becomes the tree of nodes. A node is a DEPARTMENT (what department.* sees)
 * or a TEAM (only humanresources.* sees it); it gains a description, a team colour, an external
 * id and its creation and update times (ms, null for rows older than this migration).
 *
 * `node_member_roles`: the roles a department row cannot hold — a department's deputy heads
 * (its people are users.departments, its head departments.head_id) and every member of a team.
 * `node_communications`: the chats bound to a node (api-reference/departments/node-communication/).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('departments').addColumn('type', 'varchar(16)', (c) => c.notNull().defaultTo('DEPARTMENT')).execute();
  await db.schema.alterTable('departments').addColumn('description', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('departments').addColumn('color_name', 'varchar(16)').execute();
  await db.schema.alterTable('departments').addColumn('xml_id', 'varchar(255)').execute();
  await db.schema.alterTable('departments').addColumn('created_at', 'bigint').execute();
  await db.schema.alterTable('departments').addColumn('updated_at', 'bigint').execute();
  await db.schema
    .createTable('node_member_roles')
    .addColumn('node_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('role', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('node_member_roles_pk', ['node_id', 'user_id'])
    .execute();
  await db.schema.createIndex('node_member_roles_user').on('node_member_roles').columns(['user_id']).execute();
  await db.schema
    .createTable('node_communications')
    .addColumn('node_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('original_node_id', 'integer')
    .addPrimaryKeyConstraint('node_communications_pk', ['node_id', 'chat_id'])
    .execute();
}
