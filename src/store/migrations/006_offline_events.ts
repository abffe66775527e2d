import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Offline events (api-reference/events/offline-events.md; `b_rest_event_offline` on a portal): the queue an application
 * with an `event_type=offline` binding reads with `event.offline.*`, and when each ONOFFLINEEVENT
 * handler was last notified (its `options.minTimeout`).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('event_offline')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    /** TIMESTAMP_X: when the object last changed (ms) */
    .addColumn('changed_at', 'bigint', int0)
    /** md5(EVENT_NAME|json(EVENT_DATA)): one row per object and state */
    .addColumn('message_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('app_id', 'integer', (c) => c.notNull())
    .addColumn('event_name', 'varchar(64)', (c) => c.notNull())
    /** JSON */
    .addColumn('event_data', 'text', text)
    /** JSON */
    .addColumn('event_additional', 'text', text)
    /** '' = free; else reserved by `event.offline.get clear=0` */
    .addColumn('process_id', 'varchar(64)', text)
    .addColumn('connector_id', 'varchar(255)', text)
    .addColumn('error', 'integer', int0)
    .execute();
  await db.schema
    .createIndex('event_offline_object')
    .on('event_offline')
    .columns(['message_id', 'app_id', 'connector_id', 'process_id'])
    .unique()
    .execute();
  await db.schema.createIndex('event_offline_app').on('event_offline').columns(['app_id', 'process_id', 'changed_at']).execute();

  await db.schema
    .createTable('event_offline_notices')
    .addColumn('binding_id', 'integer', (c) => c.primaryKey())
    .addColumn('sent_at', 'bigint', int0)
    .execute();
}
