import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The answer window of imbot.command.answer (`Bitrix\Im\Bot\Token`): when a command fires, the bot
 * may answer into that dialog until `expires_at`; every successful answer prolongs it.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('command_answer_tokens')
    .addColumn('bot_id', 'integer', (c) => c.notNull())
    .addColumn('dialog_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('command_answer_tokens_pk', ['bot_id', 'dialog_id'])
    .execute();
}
