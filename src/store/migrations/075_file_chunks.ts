import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The bytes of chat files kept in the database (files/db-store.ts), so every node of a cluster
 * reads what any node stored: a file is its chunks (`part` 0, 1, …) under one key, written in one
 * transaction (a key is either complete or absent). `stored_at`: wall-clock ms of the write, so
 * the orphan sweep spares uploads whose `files` row has not committed yet.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('file_chunks')
    .addColumn('storage_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('stored_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('file_chunks_pk', ['storage_key', 'part'])
    .execute();
}
