import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

const int0 = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);

/**
 * Chatbots 2.0 messages (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/, api-reference/chat-bots/chat-bots-v2/entities.md#message): reactions other than `like` (a `like`
 * stays the v1 like in `params.LIKE`, see src/im/reactions.ts), and where a forwarded message came
 * from (`message.forward` = {id, userId, chatId, date} of the original).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('message_reactions')
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    /** the camelCase code of api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md#reactions, as the wire carries it */
    .addColumn('reaction', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', int0)
    .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'user_id', 'reaction'])
    .execute();
  await db.schema.alterTable('messages').addColumn('forward_id', 'integer').execute();
  await db.schema.alterTable('messages').addColumn('forward_user_id', 'integer').execute();
  await db.schema.alterTable('messages').addColumn('forward_chat_id', 'integer').execute();
  await db.schema.alterTable('messages').addColumn('forward_date', 'bigint').execute();
}
