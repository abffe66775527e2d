import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Every chat that holds files gets its Drive folder (`disk_folders`, kind `chat`): files posted
 * by im.v2.File.upload / imbot.v2.File.upload before this migration had none until someone asked
 * im.disk.folder.get, which made reading a file's record (disk.file.get) a write. New uploads make
 * the folder as they post (src/im/files.ts).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await sql`insert into disk_folders (kind, owner_id, name, created_at)
    select distinct 'chat', chat_id, '', 0 from files where chat_id > 0
    on conflict (kind, owner_id) do nothing`.execute(db);
}
