/**
 * Queries on `file_chunks`: the bytes of chat files kept in the database (files/db-store.ts).
 * A key's chunks are written together in one transaction by the caller.
 */
import type { Db } from '../db.js';

/** Stores `chunks` as parts 0, 1, … of `key` (the caller's transaction makes them appear together). */
export async function insertFileChunks(db: Db, key: string, chunks: readonly Buffer[], storedAt: number, perStatement = 8, firstPart = 0): Promise<void> {
  for (let first = 0; first < chunks.length; first += perStatement) {
    const rows = chunks.slice(first, first + perStatement).map((bytes, i) => ({ storage_key: key, part: firstPart + first + i, bytes, stored_at: storedAt }));
    await db.insertInto('file_chunks').values(rows).execute();
  }
}

/** How many chunks and bytes `key` has (0 chunks: no such key). */
export async function fileChunkTotals(db: Db, key: string): Promise<{ parts: number; size: number }> {
  const row = await db
    .selectFrom('file_chunks')
    .select((eb) => [eb.fn.countAll<number>().as('parts'), eb.fn.sum<number | null>(eb.fn('length', ['bytes'])).as('size')])
    .where('storage_key', '=', key)
    .executeTakeFirst();
  return { parts: Number(row?.parts ?? 0), size: Number(row?.size ?? 0) };
}

/** The bytes of one part of `key`, or null when it is gone. */
export async function fileChunk(db: Db, key: string, part: number): Promise<Buffer | null> {
  const row = await db.selectFrom('file_chunks').select('bytes').where('storage_key', '=', key).where('part', '=', part).executeTakeFirst();
  return row ? Buffer.from(row.bytes) : null;
}

/** Removes every chunk of `key`; a missing key is not an error. */
export async function deleteFileChunks(db: Db, key: string): Promise<void> {
  await db.deleteFrom('file_chunks').where('storage_key', '=', key).execute();
}

/** Every stored key, or only those written before `storedBefore` (wall-clock ms). */
export async function listFileChunkKeys(db: Db, storedBefore?: number): Promise<string[]> {
  let q = db.selectFrom('file_chunks').select('storage_key').where('part', '=', 0);
  if (storedBefore !== undefined) q = q.where('stored_at', '<', storedBefore);
  return (await q.orderBy('storage_key').execute()).map((r) => r.storage_key);
}
