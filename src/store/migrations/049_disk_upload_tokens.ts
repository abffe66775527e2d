import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The upload links of disk.folder.uploadfile called without `fileContent`
 * (api-reference/disk/folder/disk-folder-upload-file.md, "Uploading a File via URL"): the token
 * of `/rest/upload.json?token=…` names the folder, who may upload and the name asked for in
 * `data.NAME`; it works once, until `expires_at` (portal clock, ms).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('disk_upload_tokens')
    .addColumn('token', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('folder_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
