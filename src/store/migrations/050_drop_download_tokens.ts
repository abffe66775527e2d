import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Download links are no longer stored: a link's token is signed (file id, user, expiry, HMAC
 * under the portal's `download_secret` setting) and checked by the download route, so handing
 * one out is a read (im.dialog.messages.get, .search, disk.file.get, File.download). Links issued
 * before this migration stop working, as they would after their hour anyway.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.dropTable('file_download_tokens').ifExists().execute();
}
