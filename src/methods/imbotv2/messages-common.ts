import type { BotRow } from '../../bots/lifecycle.js';
import { getChat, memberRole, type ChatRole, type ChatRow } from '../../im/chats.js';
import { getMessage, type MessageRow } from '../../im/messages.js';
import type { MethodCall } from '../../rest/registry.js';
import { pick, v2Int } from './args.js';
import { v2Error } from './errors.js';

/*
 * What the imbot.v2.Chat.Message.* methods share (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/): their errors (the pages' error tables, HTTP 400),
 * the `messageId` parameter and the message as the bot reaches it.
 */

export const MessageV2Errors = {
  emptyMessage: () => v2Error('EMPTY_MESSAGE', 'Message is empty'),
  tooManyMessages: () => v2Error('TOO_MANY_MESSAGES', 'Too many messages'),
  wrongUuid: () => v2Error('WRONG_UUID', 'Wrong uuid'),
  sendingFailed: () => v2Error('SENDING_FAILED', 'Sending failed'),
  messageAccessDenied: () => v2Error('MESSAGE_ACCESS_DENIED', 'Message access denied'),
  botTypeNotAllowed: () => v2Error('BOT_TYPE_NOT_ALLOWED', 'Method is available only for supervisor and personal bots'),
  reactionNotFound: () => v2Error('REACTION_NOT_FOUND', 'Reaction not found'),
  reactionAlreadySet: () => v2Error('REACTION_ALREADY_SET', 'Reaction already set'),
} as const;

/** `messageId` / `MESSAGE_ID` as an int (0 when missing or not a number). */
export function messageIdParam(P: Record<string, unknown>): number {
  return v2Int(pick(P, 'messageId', 'MESSAGE_ID'));
}

/** A UUID of any version (the dedup key of `templateId` and the keys of `forwardIds`). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** A message with its chat and the bot's role there (`role` null when the bot is not a member). */
export interface ReachedMessage {
  row: MessageRow;
  chat: ChatRow;
  role: ChatRole | null;
}

/** The message `id` (completely deleted or never existing → undefined) with the bot's standing in its chat. */
export async function reachMessage(call: MethodCall, bot: BotRow, id: number): Promise<ReachedMessage | undefined> {
  if (id <= 0) return undefined;
  const row = await getMessage(call.ctx.db, id);
  if (!row) return undefined;
  const chat = await getChat(call.ctx.db, row.chat_id);
  if (!chat) return undefined;
  return { row, chat, role: await memberRole(call.ctx.db, chat.id, bot.bot_id) };
}

/** Group-chat owners and managers administer the chat's messages (delete anyone's, system ones too). */
export function isChatAdmin(reached: ReachedMessage): boolean {
  return reached.chat.type !== 'P' && (reached.role === 'owner' || reached.role === 'manager');
}
