/**
 * Queries on chat files (`files`: the record of each upload; the bytes are the file store's) and
 * their download links (`file_download_tokens`).
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { FileDownloadTokensTable, FilesTable } from '../schema.js';

export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;
export type DownloadTokenRow = Selectable<FileDownloadTokensTable>;

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

export async function insertDownloadToken(db: Db, row: DownloadTokenRow): Promise<void> {
  await db.insertInto('file_download_tokens').values(row).execute();
}

/** Drops the links that expired at or before `now`. */
export async function deleteExpiredDownloadTokens(db: Db, now: number): Promise<void> {
  await db.deleteFrom('file_download_tokens').where('expires_at', '<=', now).execute();
}

export function findDownloadToken(db: Db, token: string): Promise<DownloadTokenRow | undefined> {
  return db.selectFrom('file_download_tokens').selectAll().where('token', '=', token).executeTakeFirst();
}
