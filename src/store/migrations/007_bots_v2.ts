import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Chatbots 2.0 settings on the shared bots row (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md, api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md#webhook-payload): the chat background,
 * the one webhook URL of a webhook-mode bot, and the per-bot secret its ONIMBOTV2* deliveries
 * carry as `application_token` (the portal's behaviour).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('bots').addColumn('background_id', 'varchar(32)').execute();
  await db.schema.alterTable('bots').addColumn('webhook_url', 'varchar(2000)', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('bots').addColumn('event_secret', 'varchar(64)', (c) => c.notNull().defaultTo('')).execute();
}
