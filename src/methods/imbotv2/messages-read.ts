import type { BotRow } from '../../bots/lifecycle.js';
import { botTypeName } from '../../bots/v2-entities.js';
import { getMessage, readChat, viewedBetween, type MessageRow } from '../../im/messages.js';
import { getUser, getUsers } from '../../im/users.js';
import { chatReadState, messageV2, userV2 } from '../../im/v2-entities.js';
import type { MethodCall } from '../../rest/registry.js';
import { listNeighbours } from '../../store/repos/messages.js';
import { pick, v2Int } from './args.js';
import { V2Errors } from './errors.js';
import { botDialog, gate } from './gate.js';
import { MessageV2Errors, messageIdParam, reachMessage, type ReachedMessage } from './messages-common.js';

/*
 * imbot.v2.Chat.Message.read, .get and .getContext (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/). Reading history is for
 * `supervisor` and `personal` bots only, and only in chats the bot is a member of; soft-deleted
 * messages show as the stubs im.dialog.messages.get shows.
 */

/**
 * Moves the bot's read cursor (never back) up to `messageId` — which must be a message of this
 * chat — or to the chat's last message. `viewedMessages` are the others' messages this call read.
 */
export async function messageRead(call: MethodCall): Promise<Record<string, unknown>> {
  const { bot } = await gate(call);
  const dialog = await botDialog(call, bot.bot_id);
  if (dialog.kind === 'none' || !dialog.chat || dialog.role === null) throw V2Errors.accessDenied();
  const chat = dialog.chat;
  const upTo = messageIdParam(call.params);
  if (upTo > 0) {
    const row = await getMessage(call.ctx.db, upTo);
    if (!row || row.chat_id !== chat.id) throw V2Errors.messageNotFound();
  }
  const read = await readChat(call.ctx, chat.id, bot.bot_id, upTo > 0 ? upTo : null);
  const viewedMessages = await viewedBetween(call.ctx.db, chat.id, bot.bot_id, read.previousId, read.lastId);
  return { chatId: chat.id, lastId: read.lastId, counter: read.counter, viewedMessages };
}

/** BOT_TYPE_NOT_ALLOWED unless the bot may read history (api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md, bot types). */
function requireHistoryReader(bot: BotRow): void {
  const type = botTypeName(bot.type);
  if (type !== 'supervisor' && type !== 'personal') throw MessageV2Errors.botTypeNotAllowed();
}

/** The message named by `messageId`, in a chat the bot is a member of. */
async function readableMessage(call: MethodCall, bot: BotRow): Promise<ReachedMessage> {
  const reached = await reachMessage(call, bot, messageIdParam(call.params));
  if (!reached) throw V2Errors.messageNotFound();
  if (reached.role === null) throw MessageV2Errors.messageAccessDenied();
  return reached;
}

export async function messageGet(call: MethodCall): Promise<Record<string, unknown>> {
  const { bot } = await gate(call);
  requireHistoryReader(bot);
  const { row, chat } = await readableMessage(call, bot);
  const read = await chatReadState(call.ctx.db, chat.id, bot.bot_id);
  // A system message has no author (authorId 0): `user` is null then.
  const author = row.author_id > 0 ? await getUser(call.ctx.db, row.author_id) : undefined;
  return { message: messageV2(row, 'response', read), user: author ? userV2(author, 'response') : null };
}

const MAX_RANGE = 50;

/** `range` messages on each side of the centre, clamped to 1–50 (default 50). */
function rangeParam(value: unknown): number {
  if (value === undefined || value === null || value === '') return MAX_RANGE;
  return Math.min(MAX_RANGE, Math.max(1, v2Int(value)));
}

/** Up to `range` neighbours of `centre` on one side, nearest first, and whether more lie beyond. */
async function neighbours(call: MethodCall, centre: MessageRow, side: 'before' | 'after', range: number): Promise<{ rows: MessageRow[]; more: boolean }> {
  const rows = await listNeighbours(call.ctx.db, centre.chat_id, centre.id, side, range + 1);
  return { rows: rows.slice(0, range), more: rows.length > range };
}

/** A window around a message, oldest → newest; page on with the first or last id. */
export async function messageGetContext(call: MethodCall): Promise<Record<string, unknown>> {
  const { bot } = await gate(call);
  requireHistoryReader(bot);
  const { row, chat } = await readableMessage(call, bot);
  const range = rangeParam(pick(call.params, 'range'));
  const before = await neighbours(call, row, 'before', range);
  const after = await neighbours(call, row, 'after', range);
  const rows = [...before.rows.reverse(), row, ...after.rows];
  const read = await chatReadState(call.ctx.db, chat.id, bot.bot_id);
  const authorIds = [...new Set(rows.map((r) => r.author_id).filter((id) => id > 0))];
  const users = new Map((await getUsers(call.ctx.db, authorIds)).map((u) => [u.id, u]));
  return {
    messages: rows.map((r) => messageV2(r, 'response', read)),
    users: authorIds.flatMap((id) => (users.has(id) ? [userV2(users.get(id)!, 'response')] : [])),
    hasPrevPage: before.more,
    hasNextPage: after.more,
  };
}
