/**
 * A person's own marks on their dialogs (api-reference/chats/special-operations,
 * messages/im-dialog-unread): notifications muted, pinned in the recent list, hidden from it,
 * the manual "unread" mark, and the read mark moved back or forward for every chat at once.
 * None of these is seen by anyone else or raises a bot event.
 */
import type { DomainCtx } from '../context.js';
import { setMuted } from '../store/repos/chats.js';
import { markUnreadFrom, readAllChats } from '../store/repos/read-state.js';
import { clearUnread, flagsOf, setFlags, type RecentFlagsRow } from '../store/repos/recent-flags.js';
import type { Db } from '../store/db.js';
import { getChat, isMember } from './chats.js';
import { readChat } from './messages.js';

export type { RecentFlagsRow };

/** Mutes (or unmutes) a chat for a member; false when `userId` is not in it. */
export function muteChat(ctx: DomainCtx, chatId: number, userId: number, muted: boolean): Promise<boolean> {
  return setMuted(ctx.db, chatId, userId, muted);
}

/** Pins or unpins a dialog at the top of `userId`'s recent list; the latest pin comes first. */
export async function pinDialog(ctx: DomainCtx, chatId: number, userId: number, pinned: boolean): Promise<void> {
  await setFlags(ctx.db, userId, chatId, pinned ? { pinned: 1, pin_sort: ctx.clock.now() } : { pinned: 0, pin_sort: 0 });
}

/** Hides a dialog from `userId`'s recent list until its next message. */
export async function hideDialog(ctx: DomainCtx, chatId: number, userId: number): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  await setFlags(ctx.db, userId, chatId, { hidden_up_to: chat?.last_message_id ?? 0, pinned: 0, pin_sort: 0 });
}

/** Sets or clears the manual "unread" mark; clearing it also reads the chat to its end. */
export async function markDialogUnread(ctx: DomainCtx, chatId: number, userId: number, unread: boolean): Promise<void> {
  if (unread) {
    await setFlags(ctx.db, userId, chatId, { unread: 1 });
    return;
  }
  await clearUnread(ctx.db, userId, chatId);
  if (await isMember(ctx.db, chatId, userId)) await readChat(ctx, chatId, userId, null);
}

/** Marks messages from `messageId` on unread for a member; false when not a member. */
export function unreadFrom(ctx: DomainCtx, chatId: number, userId: number, messageId: number): Promise<boolean> {
  return markUnreadFrom(ctx.db, chatId, userId, messageId);
}

/** Reads every chat of `userId` to its end and clears every manual "unread" mark. */
export async function readEverything(ctx: DomainCtx, userId: number): Promise<void> {
  await readAllChats(ctx.db, userId);
  await clearUnread(ctx.db, userId);
}

/** `userId`'s marks by chat id (the recent list applies them). */
export function dialogMarks(db: Db, userId: number): Promise<Map<number, RecentFlagsRow>> {
  return flagsOf(db, userId);
}

/** Is an entry hidden: hidden at a last message id the chat has not moved past. */
export function isHidden(flags: RecentFlagsRow | undefined, lastMessageId: number): boolean {
  return !!flags && flags.hidden_up_to !== null && lastMessageId <= flags.hidden_up_to;
}
