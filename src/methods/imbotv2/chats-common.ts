import type { BotRow } from '../../bots/lifecycle.js';
import { ChatError, chatRestrictions, type ChatRestrictions, type ChatRow } from '../../im/chats.js';
import { userV2 } from '../../im/v2-entities.js';
import { getUser } from '../../im/users.js';
import type { RestError } from '../../rest/errors.js';
import type { MethodCall } from '../../rest/registry.js';
import { v2Error, V2Errors } from './errors.js';
import { botDialog, gate, type BotDialog } from './gate.js';

/*
 * What the chat family (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/, api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/) shares: the gate plus the dialog as the bot sees
 * it, the family's own errors, and the mapping of domain refusals to ACCESS_DENIED.
 */

export const ChatV2Errors = {
  /** the newer docs: a group-only method on a personal chat */
  wrongType: () => v2Error('WRONG_MESSAGE_TYPE', 'WRONG_MESSAGE_TYPE'),
  emptyUserIds: () => v2Error('EMPTY_USER_IDS', 'userIds is required'),
  creation: () => v2Error('CREATION_ERROR', 'Error creating chat'),
  /**
   * `userId` missing or not positive (Chat.setOwner, Chat.User.delete). The docs list no code
   * for it; this follows the family's `EMPTY_USER_IDS` / `userIds is required` wording.
   */
  userIdRequired: () => v2Error('USER_ID_REQUIRED', 'userId is required'),
} as const;

export interface BotInDialog {
  bot: BotRow;
  botId: number;
  dialog: BotDialog;
}

/** The bot gate (api-reference/chat-bots/chat-bots-v2/index.md, always first), then `dialogId` resolved as the bot. */
export async function gateDialog(call: MethodCall): Promise<BotInDialog> {
  const { bot } = await gate(call);
  return { bot, botId: bot.bot_id, dialog: await botDialog(call, bot.bot_id) };
}

/**
 * The group chat a group-only method acts on: a dialog naming nothing is CHAT_NOT_FOUND; a
 * personal chat is `onPrivate` (WRONG_MESSAGE_TYPE where the method is type-filtered, else
 * ACCESS_DENIED).
 */
export function groupChatOf(dialog: BotDialog, onPrivate: () => RestError): ChatRow {
  if (dialog.kind === 'none' || (dialog.kind === 'private' && !dialog.chat)) throw V2Errors.chatNotFound();
  if (dialog.kind === 'private') throw onPrivate();
  return dialog.chat;
}

/** Entity-bound chats forbid some actions outright (CIMChat::GetChatOptions); v2 says ACCESS_DENIED. */
export function requireUnrestricted(chat: ChatRow, action: keyof ChatRestrictions): void {
  if (!chatRestrictions(chat)[action]) throw V2Errors.accessDenied();
}

/** Runs a domain step; any refusal of it (no right, owner may not leave, …) is ACCESS_DENIED. */
export async function deniedOnRefusal<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ChatError) throw V2Errors.accessDenied();
    throw err;
  }
}

/** `{result: true}`: the nested envelope of v2 action methods (api-reference/chat-bots/chat-bots-v2/index.md). */
export const done = { result: true } as const;

/** `users` of Chat.add / Chat.get: the calling bot only (the portal's behaviour). */
export async function botUsers(call: MethodCall, botId: number): Promise<Record<string, unknown>[]> {
  const user = await getUser(call.ctx.db, botId);
  return user ? [userV2(user, 'response')] : [];
}
