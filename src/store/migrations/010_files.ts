import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Chat files (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/; a chat's Disk folder on a portal): one row per uploaded file, its
 * bytes kept by the file store under `storage_key`; and the download links `File.download` hands
 * out (`/rest/download.json?token=…`), valid until `expires_at` on the portal clock.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('author_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', text)
    /** lower-case, '' when the name has none */
    .addColumn('extension', 'varchar(32)', text)
    /** file | image | video | audio */
    .addColumn('type', 'varchar(16)', text)
    .addColumn('mime', 'varchar(128)', text)
    .addColumn('size', 'bigint', int0)
    /** image files only: pixel size read from the header (0 when unknown) */
    .addColumn('width', 'integer', int0)
    .addColumn('height', 'integer', int0)
    /** where the file store keeps the bytes */
    .addColumn('storage_key', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_chat').on('files').columns(['chat_id']).execute();

  await db.schema
    .createTable('file_download_tokens')
    /** `imbot|…` or `im|…`, exactly as it appears (URL-decoded) in the link */
    .addColumn('token', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('file_id', 'integer', (c) => c.notNull())
    /** who asked for the link (the bot user or the person) */
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('file_download_tokens_expiry').on('file_download_tokens').columns(['expires_at']).execute();
}
