import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What many connections writing at once need (issue 12):
 * - a REST bot's CODE is unique on the portal, now by index, so two registrations racing for one
 *   CODE make one bot (`insert … on conflict do nothing`, bots/lifecycle.ts);
 * - the v2 fetch log takes its ids from a counter row updated inside the writing transaction
 *   (events/v2/log.ts): the row lock orders the writers, so ids become visible in id order and a
 *   reader's offset never passes an event that commits later. The counter starts where the old
 *   id sequence stopped, acknowledged (deleted) rows included;
 * - PostgreSQL: the function behind the change notifications (store/postgres.ts puts a trigger
 *   calling it on every table).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('bots_code').execute();
  await db.schema.createIndex('bots_code').on('bots').columns(['module_id', 'code']).unique().execute();

  await db.schema
    .createTable('v2_event_counter')
    .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .execute();
  const issued =
    dialect === 'sqlite'
      ? sql<{ n: number | null }>`select (select seq from sqlite_sequence where name = 'v2_event_log') as n`
      : sql<{ n: number | null }>`select pg_sequence_last_value(pg_get_serial_sequence('v2_event_log', 'id')::regclass) as n`;
  const seq = Number((await issued.execute(db)).rows[0]?.n ?? 0);
  const max = Number((await sql<{ n: number | null }>`select max(id) as n from v2_event_log`.execute(db)).rows[0]?.n ?? 0);
  await db.insertInto('v2_event_counter').values({ name: 'v2_event_log', last_id: Math.max(seq, max) }).execute();

  if (dialect === 'postgres') {
    await sql`create or replace function imbot_notify_change() returns trigger language plpgsql as $$
      begin
        perform pg_notify(left('imbot_' || tg_table_schema, 63), tg_table_name);
        return null;
      end $$`.execute(db);
  }
}
