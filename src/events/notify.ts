import { messageEventIntents, type MessageChange } from '../bots/addressing.js';
import type { DomainCtx } from '../context.js';
import type { BotJoin } from '../im/chats.js';
import { emitBotEvents, type BotEventIntent } from './emit.js';

/*
 * The bridge from messenger changes to bot events: what the addressing rules say, written to the
 * outbox inside the caller's transaction (so an event exists exactly when its change committed).
 */

/** A person's message was added or edited: tell the bots that hear it. */
export async function notifyMessage(ctx: DomainCtx, messageId: number, change: Exclude<MessageChange, 'delete'>): Promise<void> {
  await emitAll(ctx, await messageEventIntents(ctx, messageId, change));
}

/**
 * A message is about to be deleted: the addressees are decided by its original text, so call
 * this before the row changes; the events commit or roll back with the deletion.
 */
export async function notifyDeletion(ctx: DomainCtx, messageId: number): Promise<void> {
  await emitAll(ctx, await messageEventIntents(ctx, messageId, 'delete'));
}

export async function emitAll(ctx: DomainCtx, intents: BotEventIntent[] | null): Promise<void> {
  if (intents && intents.length) await emitBotEvents(ctx, intents);
}

/** ONIMBOTJOINCHAT for bots added to a group chat, one event per bot (imbot-v1.md §3.6). */
export async function notifyGroupJoins(ctx: DomainCtx, joins: BotJoin[]): Promise<void> {
  if (joins.length === 0) return;
  const chats = new Map<number, { type: string; author_id: number; entity_type: string; entity_id: string }>();
  const intents: BotEventIntent[] = [];
  for (const join of joins) {
    let chat = chats.get(join.chatId);
    if (!chat) {
      chat = await ctx.db
        .selectFrom('chats')
        .select(['type', 'author_id', 'entity_type', 'entity_id'])
        .where('id', '=', join.chatId)
        .executeTakeFirstOrThrow();
      chats.set(join.chatId, chat);
    }
    intents.push({
      event: 'ONIMBOTJOINCHAT',
      botIds: [join.botId],
      userId: join.userId > 0 ? join.userId : null,
      params: {
        CHAT_TYPE: chat.type,
        MESSAGE_TYPE: chat.type,
        BOT_ID: join.botId,
        USER_ID: join.userId,
        CHAT_ID: join.chatId,
        CHAT_AUTHOR_ID: chat.author_id,
        CHAT_ENTITY_TYPE: chat.entity_type,
        CHAT_ENTITY_ID: chat.entity_id,
        ACCESS_HISTORY: join.accessHistory ? '1' : '0',
        DIALOG_ID: `chat${join.chatId}`,
        LANGUAGE: ctx.portal.languageId.toLowerCase(),
      },
    });
  }
  await emitBotEvents(ctx, intents);
}
