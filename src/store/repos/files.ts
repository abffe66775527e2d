/**
 * Queries on chat files (`files`: the record of each upload; the bytes are the file store's).
 * Download links are signed, not stored (src/im/download-links.ts).
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { FilesTable } from '../schema.js';

export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;

export function insertFile(db: Db, row: NewFileRow): Promise<FileRow> {
  return db.insertInto('files').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findFile(db: Db, id: number): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The file store key of every recorded file. */
export async function listStorageKeys(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('files').select('storage_key').execute();
  return rows.map((r) => r.storage_key);
}

export function filesByIds(db: Db, ids: number[]): Promise<FileRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('files').selectAll().where('id', 'in', ids).execute();
}

/** Marks a file as carried by a message in `chatId` (the pre-v2 Drive flow's commit). */
export async function attachFile(db: Db, id: number, chatId: number): Promise<void> {
  await db.updateTable('files').set({ attached: 1, chat_id: chatId, folder_id: 0 }).where('id', '=', id).execute();
}

/** Removes a file's record (its download links stop working: they name a file that is gone). */
export async function deleteFileRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('files').where('id', '=', id).execute();
}
