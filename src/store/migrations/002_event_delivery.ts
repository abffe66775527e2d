import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');

/**
 * What the delivery worker needs beyond 001's outbox: a stable event id handlers de-duplicate on,
 * the ordering lane (one per application), the handler URL frozen at enqueue time, and a log of
 * every delivery attempt.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('event_outbox').addColumn('uid', 'varchar(64)', text).execute();
  await db.schema.alterTable('event_outbox').addColumn('lane', 'varchar(300)', text).execute();
  await db.schema.alterTable('event_outbox').addColumn('handler_url', 'text', text).execute();
  await db.schema.alterTable('event_outbox').addColumn('last_status', 'integer').execute();
  await db.schema.createIndex('event_outbox_lane').on('event_outbox').columns(['status', 'lane', 'id']).execute();

  await db.schema
    .createTable('event_attempts')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    .addColumn('outbox_id', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull().defaultTo(0))
    /** HTTP status, null when no response came (refused, timeout) */
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text', text)
    /** the first KB of the handler's answer */
    .addColumn('response', 'text', text)
    .execute();
  await db.schema.createIndex('event_attempts_outbox').on('event_attempts').columns(['outbox_id', 'attempt']).execute();
}
