import { reportChange } from '../changes.js';
import type { DomainCtx } from '../context.js';
import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import { chatMessageAdded, chatMessageRemoved, findChat, lockChatForWrite } from '../store/repos/chats.js';
import { deleteMessageRow, deleteReactionsOf, findMessage, insertMessage, lastMessageId, listChatHistory, updateMessage, type HistoryPage, type MessageRow } from '../store/repos/messages.js';
import { countUnread, findReadMark, setReadMark } from '../store/repos/read-state.js';

export type { MessageRow };
export { findMessage as getMessage };
export { countUnread as unreadCount, countUnreadByChat as unreadByChat, listUnreadBetween as viewedBetween, unreadAbove as unreadSummary } from '../store/repos/read-state.js';

/** Longest text the messenger keeps; longer texts are cut with a marker (api-reference/chat-bots/outdated/messages/imbot-message-add.md). */
export const MESSAGE_LIMIT = 20_000;

/** Message text as the messenger stores it: `[BR]`/`#BR#` become newlines, over-long text is cut. */
export function normalizeText(text: string): string {
  return cutText(text.replace(/\[br\]|#BR#/gi, '\n'), MESSAGE_LIMIT + 6);
}

/**
 * Cuts a text longer than `over` characters to MESSAGE_LIMIT and appends ` (...)`. Characters are
 * counted as PHP's mb_ functions count them (code points), not in UTF-16 units: an emoji is one
 * character, and a cut never splits one in half.
 */
export function cutText(text: string, over: number): string {
  if (text.length <= over) return text; // UTF-16 units ≥ code points: surely short enough
  const chars = Array.from(text);
  return chars.length > over ? chars.slice(0, MESSAGE_LIMIT).join('') + ' (...)' : text;
}

export interface NewMessage {
  chatId: number;
  authorId: number;
  text: string;
  system?: boolean;
  params?: Record<string, unknown>;
  uuid?: string | null;
  replyId?: number | null;
  /** a forwarded copy: where the original came from (`forward` of the Message entity, api-reference/chat-bots/chat-bots-v2/entities.md) */
  forward?: ForwardInfo | null;
}

/** The original of a forwarded message; `date` in ms. */
export interface ForwardInfo {
  id: number;
  userId: number;
  chatId: number;
  date: number;
}

export async function postMessage(ctx: DomainCtx, m: NewMessage): Promise<number> {
  // PostgreSQL: writers to one chat take turns from here, so a chat's message ids (and the events
  // they cause) commit in id order; on SQLite they always do.
  await lockChatForWrite(ctx.db, m.chatId);
  const id = await insertMessage(ctx.db, {
    chat_id: m.chatId,
    author_id: m.authorId,
    text: m.text,
    system: m.system ? 'Y' : 'N',
    params: JSON.stringify(m.params ?? {}),
    uuid: m.uuid ?? null,
    reply_id: m.replyId ?? null,
    forward_id: m.forward?.id ?? null,
    forward_user_id: m.forward?.userId ?? null,
    forward_chat_id: m.forward?.chatId ?? null,
    forward_date: m.forward?.date ?? null,
    created_at: ctx.clock.now(),
  });
  await chatMessageAdded(ctx.db, m.chatId, id);
  // Writing into a chat reads it up to one's own message, as the messenger does.
  await setReadMark(ctx.db, m.chatId, m.authorId, id);
  await ctx.events.publish(ctx, { kind: 'message-for-people', message: { messageId: id, chatId: m.chatId, authorId: m.authorId }, change: 'add' });
  reportChange(ctx, { chatId: m.chatId, kind: 'message', userId: m.authorId });
  return id;
}

export type HistoryQuery = HistoryPage;

/**
 * A page of a chat's history, newest first (as im.dialog.messages.get lists it). Soft-deleted
 * messages stay in the history as stubs (text "", params.IS_DELETED "Y").
 */
export function chatHistory(db: Db, chatId: number, q: HistoryQuery): Promise<MessageRow[]> {
  return listChatHistory(db, chatId, q);
}

export function parseParams(row: MessageRow): Record<string, unknown> {
  try {
    const p = JSON.parse(row.params);
    return p && typeof p === 'object' ? p : {};
  } catch {
    return {};
  }
}

/**
 * Where a forwarded copy's original lives, as the portal's forward params name it
 * (`FORWARD_CONTEXT_ID` = `<dialog context>/<message id>`): `chat<N>` for a group chat; for a
 * private chat `<companion>:<forwarder>`, the dialog as the one who forwarded saw it.
 */
export type ForwardContexts = Map<number, { private: boolean; members: number[] }>;

function forwardParams(row: MessageRow, contexts: ForwardContexts | undefined): Record<string, unknown> {
  if (row.forward_id === null || row.forward_id === undefined) return {};
  const source = contexts?.get(row.forward_chat_id ?? 0);
  let dialog = `chat${row.forward_chat_id ?? 0}`;
  if (source?.private) {
    const companion = source.members.find((id) => id !== row.author_id) ?? row.author_id;
    dialog = `${companion}:${row.author_id}`;
  }
  return { FORWARD_ID: row.forward_id, FORWARD_CONTEXT_ID: `${dialog}/${row.forward_id}`, FORWARD_USER_ID: row.forward_user_id ?? 0 };
}

/**
 * A message as im.dialog.messages.get shows it. A forwarded copy carries the portal's forward
 * params (FORWARD_ID, FORWARD_CONTEXT_ID, FORWARD_USER_ID), which its messenger reads to show
 * "Forwarded from …"; `contexts` describes the original chats (see ForwardContexts).
 */
export function formatImMessage(row: MessageRow, unread: boolean, contexts?: ForwardContexts): Record<string, unknown> {
  const params = { ...parseParams(row), ...forwardParams(row, contexts) };
  return {
    id: row.id,
    chat_id: row.chat_id,
    author_id: row.author_id,
    date: isoDate(row.created_at),
    text: row.text,
    unread,
    uuid: row.uuid,
    replaces: [],
    params: Object.keys(params).length ? params : [],
    disappearing_date: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Editing, deleting, likes and read state. Every change returns the row before and after, which
// is what the ONIMBOTMESSAGEUPDATE/DELETE events are built from.

/** Messages can be edited for 3 days (259 200 s); deleting has no age limit (api-reference/chat-bots/outdated/messages/imbot-message-update.md). */
export const EDIT_WINDOW_MS = 259_200_000;

/** A change of one message: `after` is null when the message was removed completely. */
export interface MessageChange {
  before: MessageRow;
  after: MessageRow | null;
}

export function isDeleted(row: MessageRow): boolean {
  return row.deleted === 1;
}

/**
 * May `actorId` change `row`? Only the author, only a live message, and for edits (not deletes)
 * only within the 3-day window measured on the domain clock.
 */
export function canChangeMessage(ctx: DomainCtx, row: MessageRow | undefined, actorId: number, kind: 'edit' | 'delete'): row is MessageRow {
  if (!row || isDeleted(row) || row.author_id !== actorId) return false;
  return kind === 'delete' || ctx.clock.now() - row.created_at < EDIT_WINDOW_MS;
}

/** Param patch: a key set to null is removed, any other value replaces the stored one. */
export type ParamsPatch = Record<string, unknown>;

async function rewrite(ctx: DomainCtx, before: MessageRow, set: { text?: string; params?: Record<string, unknown>; deleted?: number; updated?: boolean }): Promise<MessageChange> {
  await updateMessage(ctx.db, before.id, {
    ...(set.text !== undefined ? { text: set.text } : {}),
    ...(set.params !== undefined ? { params: JSON.stringify(set.params) } : {}),
    ...(set.deleted !== undefined ? { deleted: set.deleted } : {}),
    ...(set.updated ? { updated_at: ctx.clock.now() } : {}),
  });
  reportChange(ctx, { chatId: before.chat_id, kind: 'message' });
  return { before, after: (await findMessage(ctx.db, before.id)) ?? null };
}

function patched(row: MessageRow, patch: ParamsPatch): Record<string, unknown> {
  const params = parseParams(row);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete params[key];
    else params[key] = value;
  }
  return params;
}

/** Sets or removes message params (ATTACH, KEYBOARD, MENU, URL_PREVIEW, IS_EDITED, ...). */
export async function updateMessageParams(ctx: DomainCtx, row: MessageRow, patch: ParamsPatch): Promise<MessageChange> {
  const change = await rewrite(ctx, row, { params: patched(row, patch), updated: true });
  await ctx.events.publish(ctx, { kind: 'message-for-people', message: sceneOf(row), change: 'update' });
  return change;
}

/*
 * Every message change, whoever makes it (a person, a bot, either API), is also an ONIMV2* user
 * event for the chat's subscribed people (src/events/v2/user-events.ts; nothing happens when
 * nobody subscribed). Likes are reactions and are recorded by notifyReaction instead.
 */
const sceneOf = (row: MessageRow) => ({ messageId: row.id, chatId: row.chat_id, authorId: row.author_id });

/** Replaces the text (already normalised); an empty text soft-deletes the message instead. */
export async function updateMessageText(ctx: DomainCtx, row: MessageRow, text: string, patch: ParamsPatch = {}): Promise<MessageChange> {
  if (text === '') return deleteMessage(ctx, row, false);
  const change = await rewrite(ctx, row, { text, params: patched(row, patch), updated: true });
  await ctx.events.publish(ctx, { kind: 'message-for-people', message: sceneOf(row), change: 'update' });
  return change;
}

/**
 * Soft delete keeps a stub in the history (text "", params `{IS_DELETED: "Y"}`, rich content and
 * likes dropped); complete delete removes the row and fixes the chat's last message and count.
 */
export async function deleteMessage(ctx: DomainCtx, row: MessageRow, complete: boolean): Promise<MessageChange> {
  await ctx.events.publish(ctx, { kind: 'message-for-people', message: sceneOf(row), change: 'delete' });
  // v2 reactions go with the likes (src/im/reactions.ts)
  await deleteReactionsOf(ctx.db, row.id);
  if (!complete) return rewrite(ctx, row, { text: '', params: { IS_DELETED: 'Y' }, deleted: 1, updated: true });
  await deleteMessageRow(ctx.db, row.id);
  await chatMessageRemoved(ctx.db, row.chat_id, await lastMessageId(ctx.db, row.chat_id));
  reportChange(ctx, { chatId: row.chat_id, kind: 'message' });
  return { before: row, after: null };
}

export type LikeAction = 'auto' | 'plus' | 'minus';

/** The users who liked a message (params.LIKE). */
export function likesOf(row: MessageRow): number[] {
  const likes = parseParams(row).LIKE;
  return Array.isArray(likes) ? likes.map(Number) : [];
}

/**
 * Likes or unlikes for `userId`; `auto` toggles. Returns null when nothing changed (already liked
 * and `plus`, not liked and `minus`), else the change.
 */
export async function likeMessage(ctx: DomainCtx, row: MessageRow, userId: number, action: LikeAction): Promise<MessageChange | null> {
  const likes = likesOf(row);
  const liked = likes.includes(userId);
  const like = action === 'auto' ? !liked : action === 'plus';
  if (like === liked) return null;
  const next = like ? [...likes, userId] : likes.filter((id) => id !== userId);
  return rewrite(ctx, row, { params: patched(row, { LIKE: next.length ? next : null }) });
}

/**
 * Marks a chat read for `userId` up to `upTo` (default: its last message). The read mark never
 * moves back. Returns the read mark and the unread count afterwards.
 */
export async function readChat(ctx: DomainCtx, chatId: number, userId: number, upTo: number | null): Promise<{ lastId: number; counter: number; previousId: number }> {
  const previousId = await findReadMark(ctx.db, chatId, userId);
  const chat = await findChat(ctx.db, chatId);
  if (previousId === undefined || !chat) throw new Error(`readChat: user ${userId} is not a member of chat ${chatId}`);
  const target = Math.min(upTo ?? chat.last_message_id, chat.last_message_id);
  const lastId = Math.max(previousId, target);
  if (lastId !== previousId) {
    await setReadMark(ctx.db, chatId, userId, lastId);
    reportChange(ctx, { chatId, kind: 'read', userId });
  }
  return { lastId, counter: await countUnread(ctx.db, chatId, userId), previousId };
}
