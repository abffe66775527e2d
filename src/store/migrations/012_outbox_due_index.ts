import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Drops `event_outbox_due` (status, next_attempt_at): no query reads through it (the worker finds
 * due rows per lane through `event_outbox_lane`), and every event insert and every recorded
 * attempt paid for keeping it — one more index page written per commit on the REST call path.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('event_outbox_due').ifExists().execute();
}
