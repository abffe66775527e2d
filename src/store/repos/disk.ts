/**
 * Queries for the pre-v2 Drive flow: `disk_folders` (a chat's folder, a person's "Saved Files")
 * and `disk_upload_tokens` (the links of disk.folder.uploadfile's two-step upload). The files
 * themselves are rows of repos/files.ts.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { DiskFoldersTable, DiskUploadTokensTable } from '../schema.js';

export type DiskFolderRow = Selectable<DiskFoldersTable>;
export type FolderKind = 'chat' | 'saved';

/** The folder of (`kind`, `ownerId`), made on first use; concurrent first uses get the same row. */
export async function ensureFolder(db: Db, kind: FolderKind, ownerId: number, name: string, now: number): Promise<DiskFolderRow> {
  await db
    .insertInto('disk_folders')
    .values({ kind, owner_id: ownerId, name, created_at: now })
    .onConflict((oc) => oc.columns(['kind', 'owner_id']).doNothing())
    .execute();
  return db.selectFrom('disk_folders').selectAll().where('kind', '=', kind).where('owner_id', '=', ownerId).executeTakeFirstOrThrow();
}

/** The folder of (`kind`, `ownerId`) if it was made. */
export function findFolder(db: Db, kind: FolderKind, ownerId: number): Promise<DiskFolderRow | undefined> {
  return db.selectFrom('disk_folders').selectAll().where('kind', '=', kind).where('owner_id', '=', ownerId).executeTakeFirst();
}

export function folderById(db: Db, id: number): Promise<DiskFolderRow | undefined> {
  return db.selectFrom('disk_folders').selectAll().where('id', '=', id).executeTakeFirst();
}

export type UploadTokenRow = Selectable<DiskUploadTokensTable>;

/** Stores a new upload token; expired ones are dropped on the way. */
export async function addUploadToken(db: Db, row: UploadTokenRow, now: number): Promise<void> {
  await db.deleteFrom('disk_upload_tokens').where('expires_at', '<=', now).execute();
  await db.insertInto('disk_upload_tokens').values(row).execute();
}

/** A token still valid at `now`, without using it. */
export function liveUploadToken(db: Db, token: string, now: number): Promise<UploadTokenRow | undefined> {
  return db.selectFrom('disk_upload_tokens').selectAll().where('token', '=', token).where('expires_at', '>', now).executeTakeFirst();
}

/** Uses a token: removes it and returns it if it was still valid (one use, whoever comes first). */
export async function takeUploadToken(db: Db, token: string, now: number): Promise<UploadTokenRow | undefined> {
  const row = await db.deleteFrom('disk_upload_tokens').where('token', '=', token).returningAll().executeTakeFirst();
  return row && row.expires_at > now ? row : undefined;
}
