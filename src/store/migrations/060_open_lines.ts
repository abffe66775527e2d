import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo('');
const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Open Lines, as much as a bot developer needs (api-reference/imopenlines/openlines/chat-bots/):
 * a line (its bot, its operator queue, its welcome text) and one session per visitor dialog, in a
 * chat of type L (`LINES`). `status`: `bot` while the line's bot answers, `operator` once a person
 * took it (transfer/operator), `closed` when finished.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity());
  await db.schema
    .createTable('open_lines')
    .addColumn('id', 'integer', id)
    .addColumn('name', 'varchar(255)', text)
    .addColumn('bot_id', 'integer', int0)
    /** JSON array of the operators' user ids, in queue order */
    .addColumn('queue', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('welcome_message', 'text', text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('open_line_sessions')
    .addColumn('id', 'integer', id)
    .addColumn('line_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('visitor_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('bot_id', 'integer', int0)
    .addColumn('operator_id', 'integer', int0)
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema.createIndex('open_line_sessions_chat').on('open_line_sessions').columns(['chat_id', 'id']).execute();
  await db.schema.createIndex('open_line_sessions_visitor').on('open_line_sessions').columns(['line_id', 'visitor_id']).execute();
}
