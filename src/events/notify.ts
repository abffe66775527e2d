import { messageEventIntents, type MessageChange } from '../bots/addressing.js';
import type { DomainCtx } from '../context.js';
import { getChat, type BotJoin } from '../im/chats.js';
import { emitBotEvents, type BotEventIntent } from './emit.js';
import { emitReactionEvents } from './v2/reaction.js';

/*
 * The bridge from messenger changes to bot events: what the addressing rules say, written to the
 * outbox inside the caller's transaction (so an event exists exactly when its change committed).
 * The same intents reach v2 bots as ONIMBOTV2* (src/events/v2/dispatch.ts); reactions are also
 * recorded as ONIMV2* for the chat's subscribed people (message changes are recorded by
 * src/im/messages.ts, so bots' own messages count too).
 */

/** A person's message was added or edited: tell the bots that hear it. */
export async function notifyMessage(ctx: DomainCtx, messageId: number, change: Exclude<MessageChange, 'delete'>): Promise<void> {
  await emitMessageChange(ctx, messageId, change);
}

/**
 * A message is about to be deleted: the addressees are decided by its original text, so call
 * this before the row changes; the events commit or roll back with the deletion.
 */
export async function notifyDeletion(ctx: DomainCtx, messageId: number): Promise<void> {
  await emitMessageChange(ctx, messageId, 'delete');
}

/** Bot events, v1 and v2 (the intents carry the message for the v2 branch). ONIMV2* user events are recorded by the message domain itself. */
async function emitMessageChange(ctx: DomainCtx, messageId: number, change: MessageChange): Promise<void> {
  const intents = await messageEventIntents(ctx, messageId, change);
  await emitAll(ctx, intents.map((i) => ({ ...i, messageId })));
}

export async function emitAll(ctx: DomainCtx, intents: BotEventIntent[] | null): Promise<void> {
  if (intents && intents.length) await emitBotEvents(ctx, intents);
}

/** ONIMBOTJOINCHAT for bots added to a group chat, one event per bot (api-reference/chat-bots/outdated/chats/events/on-imbot-join-chat.md). */
export async function notifyGroupJoins(ctx: DomainCtx, joins: BotJoin[]): Promise<void> {
  if (joins.length === 0) return;
  const chats = new Map<number, { type: string; author_id: number; entity_type: string; entity_id: string }>();
  const intents: BotEventIntent[] = [];
  for (const join of joins) {
    let chat = chats.get(join.chatId);
    if (!chat) {
      const row = await getChat(ctx.db, join.chatId);
      if (!row) throw new Error(`chat ${join.chatId} not found`);
      chat = row;
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
      chatId: join.chatId,
    });
  }
  await emitBotEvents(ctx, intents);
}

/** A reaction was added to or removed from a message (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md, ONIMBOTV2REACTIONCHANGE). */
export interface ReactionChange {
  messageId: number;
  userId: number;
  /** camelCase code of api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md#reactions */
  reaction: string;
  action: 'add' | 'delete';
}

/**
 * ONIMBOTV2REACTIONCHANGE to the message's author if it is a v2 bot, ONIMV2REACTIONCHANGE to the
 * chat's subscribed people. Call inside the transaction that changed the reaction.
 */
export async function notifyReaction(ctx: DomainCtx, change: ReactionChange): Promise<void> {
  await emitReactionEvents(ctx, change);
}
