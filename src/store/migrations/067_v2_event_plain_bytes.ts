import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * `v2_event_log.data_bytes`: the size in bytes of a snapshot's plain JSON (`JSON.stringify` of its
 * value). A row that has it holds its snapshot as the wire encodes it (phpJson), so Event.get
 * copies it into an answer without checking it and the request log sizes the answer without
 * encoding it again. Rows written before this migration have null: their snapshot is plain JSON,
 * escaped when read.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('v2_event_log').addColumn('data_bytes', 'integer').execute();
}
