import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Chatbots 2.0 fetch mode (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md; `b_im_event_log` on a portal): one log for every
 * queue, bots' and users' alike, so `id` is the one global sequence `offset` counts in (the portal's behaviour);
 * the users who asked for their `ONIMV2*` events (`EVENT_LOG='Y'`); and the fetch bots deleted
 * lately, whose old owner may still read the queue (ONIMBOTV2DELETE) for a grace window (the portal's behaviour).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('v2_event_log')
    .addColumn('id', 'integer', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
    /** the queue: a bot's user id or a subscribed user's id */
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    /** JSON snapshot of `data`, taken when the event was written */
    .addColumn('event_data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', int0)
    .execute();
  await db.schema.createIndex('v2_event_log_queue').on('v2_event_log').columns(['owner_id', 'id']).execute();
  await db.schema.createIndex('v2_event_log_age').on('v2_event_log').columns(['created_at']).execute();

  await db.schema
    .createTable('v2_event_subscribers')
    .addColumn('user_id', 'integer', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', int0)
    .execute();

  await db.schema
    .createTable('v2_deleted_bots')
    .addColumn('bot_id', 'integer', (c) => c.primaryKey())
    /** the owner key the bot had (bots.app_id) */
    .addColumn('app_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint', int0)
    .execute();
}
