import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What a bot is doing in a chat right now (imbot.v2.Chat.InputAction.notify, api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/chat-input-action-notify.md):
 * one row per chat and user, replaced by each notify and ignored once `expires_at` has passed.
 * Nothing reaches a bot's wire; the row is there for a messenger UI to show the indicator.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('chat_input_actions')
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    /** a statusMessageCode of api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/chat-input-action-notify.md#status-codes, or '' for the plain "typing" indicator */
    .addColumn('code', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_input_actions_pk', ['chat_id', 'user_id'])
    .execute();
}
