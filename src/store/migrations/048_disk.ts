import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Drive folders for the pre-v2 file flow (api-reference/chats/files): a chat's folder
 * (`kind` 'chat', `owner_id` the chat id; im.disk.folder.get) and a person's "Saved Files"
 * folder (`kind` 'saved', `owner_id` the user id; im.disk.file.save), each made once, on first
 * use. Files gain `folder_id` (0: the chat's folder, as for every im.v2/imbot.v2 upload) and
 * `attached` (1 once a message carries the file; a file uploaded with disk.folder.uploadfile
 * waits unattached until im.disk.file.commit). A saved copy has `chat_id` 0.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('disk_folders')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('disk_folders_owner', ['kind', 'owner_id'])
    .execute();
  await db.schema.alterTable('files').addColumn('folder_id', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('files').addColumn('attached', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
