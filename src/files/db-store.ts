import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Store } from '../store/db.js';
import { deleteFileChunks, fileChunk, fileChunkTotals, insertFileChunks, listFileChunkKeys } from '../store/repos/file-chunks.js';
import type { FileBytes } from './spool.js';
import { FileStoreError, validKey, type FileStore } from './store.js';

/** Bytes per stored chunk: small enough for one round trip each, few enough rows per file. */
export const CHUNK_SIZE = 256 * 1024;

/**
 * File bytes in the database (`file_chunks`, migration 075), the default when the store is
 * PostgreSQL: every node of a cluster reads what any node stored, with nothing to share but the
 * database (README, "Running a cluster"; a filesystem store would need a shared volume). A file is
 * written as chunks of CHUNK_SIZE in one transaction of its own, so a key is complete or absent;
 * reads stream it chunk by chunk (memory stays at one chunk per download, whatever the size).
 *
 * Not offered on SQLite (`--files db` is refused there): its one connection is held by the
 * call's own transaction while the bytes are written.
 */
export class DbFileStore implements FileStore {
  constructor(
    private readonly store: Pick<Store, 'db'>,
    private readonly chunkSize = CHUNK_SIZE,
  ) {}

  async put(folder: string, bytes: FileBytes): Promise<string> {
    const key = `${folder}/${randomBytes(16).toString('hex')}`;
    if (!validKey(key)) throw new FileStoreError('folder', new Error(`bad folder ${folder}`));
    // wall-clock time, not portal time: only the orphan sweep's grace reads it
    const storedAt = Date.now();
    try {
      // Its own transaction on the pool, not a unit of work: put() runs inside a call's unit, and
      // units take turns (store/group-commit.ts), so one started here would wait for the call's
      // own group to commit. The bytes commit first; a row that never commits leaves them to the
      // orphan sweep.
      await this.store.db.transaction().execute(async (trx) => {
        if (Buffer.isBuffer(bytes)) {
          const chunks: Buffer[] = [];
          for (let at = 0; at < bytes.length; at += this.chunkSize) chunks.push(bytes.subarray(at, at + this.chunkSize));
          if (chunks.length === 0) chunks.push(Buffer.alloc(0)); // an empty file is one empty chunk
          await insertFileChunks(trx, key, chunks, storedAt);
          return;
        }
        // an upload spooled to disk: read and written one chunk at a time, never whole (a chunk
        // is sent as a parameter, so holding several would multiply what the driver buffers)
        let part = 0;
        for await (const chunk of createReadStream(bytes.path, { highWaterMark: this.chunkSize })) {
          await insertFileChunks(trx, key, [chunk as Buffer], storedAt, 1, part++);
        }
        if (part === 0) await insertFileChunks(trx, key, [Buffer.alloc(0)], storedAt); // an empty file is one empty chunk
      });
    } catch (err) {
      throw new FileStoreError('write', err);
    }
    return key;
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | null> {
    if (!validKey(key)) return null;
    const { parts, size } = await fileChunkTotals(this.store.db, key);
    if (parts === 0) return null;
    const db = this.store.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let part = 0; part < parts; part++) {
        const bytes = await fileChunk(db, key, part);
        if (!bytes) throw new Error(`file ${key} was removed while it was read`);
        if (bytes.length > 0) yield bytes;
      }
    }
    return { stream: Readable.from(chunks(), { objectMode: false }), size };
  }

  async remove(key: string): Promise<void> {
    if (!validKey(key)) throw new Error(`bad file key ${key}`);
    await deleteFileChunks(this.store.db, key);
  }

  async keys(storedBefore?: number): Promise<string[]> {
    return listFileChunkKeys(this.store.db, storedBefore);
  }
}
