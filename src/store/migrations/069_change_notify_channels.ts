import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * PostgreSQL: the change notifications on two channels. event_outbox's commits go to
 * `imbot-outbox_<schema>`, which only a server without a cluster listens to (the CLI's rows wake
 * its delivery worker at once; a cluster's nodes announce their lanes on the Redis bus and find
 * the CLI's rows with the poll timer, so a bot event written on one node wakes no other node);
 * every other table's go to `imbot_<schema>` as before (the read cache). Which tables have the
 * trigger at all is decided at every start (store/postgres.ts, ensureChangeTriggers): the
 * cached tables and event_outbox only.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create or replace function imbot_notify_change() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'event_outbox' then
        perform pg_notify(left('imbot-outbox_' || tg_table_schema, 63), tg_table_name);
      else
        perform pg_notify(left('imbot_' || tg_table_schema, 63), tg_table_name);
      end if;
      return null;
    end $$`.execute(db);
}
