import type { DomainCtx } from '../../context.js';
import { getChat } from '../../im/chats.js';
import { getUser } from '../../im/users.js';
import { getMessage } from '../../im/messages.js';
import { chatV2, messageV2, userV2 } from '../../im/v2-entities.js';

/*
 * The `data` of v2 events (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md, `EventPayload`) in exact JSON types, as one recipient
 * (a bot or a subscribed user) sees it: a private chat's `dialogId` is the other party from the
 * recipient's side. The `bot` key is the caller's business (full bot in fetch mode, `{id, code,
 * auth}` in webhook mode). An entity that cannot be loaded becomes a stub `{id}`, id 0 `{}`.
 */

export type Data = Record<string, unknown>;

export function language(ctx: DomainCtx): string {
  return ctx.portal.languageId.toLowerCase();
}

export async function userData(ctx: DomainCtx, userId: number | null | undefined): Promise<Data> {
  if (!userId || userId <= 0) return {};
  const row = await getUser(ctx.db, userId);
  return row ? userV2(row, 'event') : { id: userId };
}

export async function chatData(ctx: DomainCtx, chatId: number | null | undefined, viewerId: number): Promise<Data> {
  if (!chatId || chatId <= 0) return {};
  const chat = await getChat(ctx.db, chatId);
  return chat ? chatV2(ctx.db, chat, viewerId, 'event') : { id: chatId };
}

export async function messageData(ctx: DomainCtx, messageId: number): Promise<Data> {
  if (messageId <= 0) return {};
  const row = await getMessage(ctx.db, messageId);
  return row ? messageV2(row, 'event') : { id: messageId };
}

/** What a message event is about, loaded once per intent. */
export interface MessageScene {
  messageId: number;
  chatId: number;
  authorId: number;
}

export async function messageScene(ctx: DomainCtx, messageId: number | undefined): Promise<MessageScene | null> {
  if (!messageId) return null;
  const row = await getMessage(ctx.db, messageId);
  return row ? { messageId: row.id, chatId: row.chat_id, authorId: row.author_id } : null;
}

/** ONIMBOTV2MESSAGEADD / …UPDATE and ONIMV2MESSAGEADD / …UPDATE. */
export async function messagePayload(ctx: DomainCtx, s: MessageScene, viewerId: number): Promise<Data> {
  return {
    message: await messageData(ctx, s.messageId),
    chat: await chatData(ctx, s.chatId, viewerId),
    user: await userData(ctx, s.authorId),
    language: language(ctx),
  };
}

/** ONIMBOTV2MESSAGEDELETE / ONIMV2MESSAGEDELETE: `user` is the deleted message's author. */
export async function deletePayload(ctx: DomainCtx, s: MessageScene, viewerId: number): Promise<Data> {
  return {
    messageId: s.messageId,
    chat: await chatData(ctx, s.chatId, viewerId),
    user: await userData(ctx, s.authorId),
    language: language(ctx),
  };
}

/** ONIMBOTV2JOINCHAT (`user` = who added the bot) / ONIMV2JOINCHAT (`user` = who joined). */
export async function joinPayload(ctx: DomainCtx, chatId: number, userId: number | null, viewerId: number): Promise<Data> {
  const chat = await chatData(ctx, chatId, viewerId);
  return { dialogId: String(chat.dialogId ?? ''), chat, user: await userData(ctx, userId), language: language(ctx) };
}

/** ONIMBOTV2REACTIONCHANGE / ONIMV2REACTIONCHANGE. */
export async function reactionPayload(ctx: DomainCtx, s: MessageScene, reaction: string, action: string, userId: number, viewerId: number): Promise<Data> {
  return {
    reaction,
    action,
    message: await messageData(ctx, s.messageId),
    chat: await chatData(ctx, s.chatId, viewerId),
    user: await userData(ctx, userId),
    language: language(ctx),
  };
}
