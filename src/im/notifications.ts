/**
 * Notifications (api-reference/chats/notifications/*): stored per recipient in their notification
 * chat, tagged per application, read/unread, and — for notifications a portal module makes —
 * quick answers and confirm buttons whose choice goes back to that module (`notification_replies`).
 */
import { createHash } from 'node:crypto';
import { reportChange } from '../changes.js';
import { isoDate } from '../clock.js';
import type { DomainCtx } from '../context.js';
import {
  countForUser,
  createNotifyChat,
  deleteByTag,
  deleteNotification,
  findNotification,
  insertNotification,
  insertReply,
  listNotifications,
  listReplies,
  notifyChatId,
  recipientsWithTag,
  setRead,
  updateNotification,
  type NotificationQuery,
  type NotificationRow,
} from '../store/repos/notifications.js';

export type { NotificationRow } from '../store/repos/notifications.js';

export const NotifyType = { CONFIRM: 1, FROM: 2, SYSTEM: 4 } as const;

/** The module and event REST notifications are filed under (`setting_name` rest|rest_notify). */
export const REST_MODULE = 'rest';
export const REST_EVENT = 'rest_notify';

/**
 * The application namespace of TAG/SUB_TAG: `MP|<first 5 hex of md5(client id)>|<tag>`, so two
 * applications never touch each other's tags. A webhook without CLIENT_ID hashes the empty string.
 */
export function appTag(clientId: string, tag: string): string {
  return `MP|${createHash('md5').update(clientId).digest('hex').slice(0, 5)}|${tag}`;
}

export interface NewNotificationInput {
  userId: number;
  authorId: number;
  type: number;
  message: string;
  messageOut?: string;
  module?: string;
  event?: string;
  tag?: string;
  subTag?: string;
  title?: string;
  params?: Record<string, unknown> | null;
  buttons?: { TITLE: string; VALUE: string; TYPE: string }[];
  answerable?: boolean;
  replies?: Record<string, string>;
}

/** Tells the person's open messengers that their notifications changed (after the commit). */
async function changed(ctx: DomainCtx, userIds: number[]): Promise<void> {
  for (const userId of new Set(userIds)) reportChange(ctx, { chatId: (await notifyChatId(ctx.db, userId)) ?? 0, kind: 'notify', alsoUsers: [userId], userId });
}

async function ensureNotifyChat(ctx: DomainCtx, userId: number): Promise<number> {
  return (await notifyChatId(ctx.db, userId)) ?? createNotifyChat(ctx.db, userId, ctx.clock.now());
}

/** Adds a notification; a TAG replaces the recipient's earlier notifications with the same tag. */
export async function addNotification(ctx: DomainCtx, n: NewNotificationInput): Promise<number> {
  const chatId = await ensureNotifyChat(ctx, n.userId);
  if (n.tag) await deleteByTag(ctx.db, 'tag', n.tag, n.userId);
  reportChange(ctx, { chatId, kind: 'notify', alsoUsers: [n.userId], userId: n.userId });
  return insertNotification(ctx.db, {
    user_id: n.userId,
    chat_id: chatId,
    author_id: n.authorId,
    notify_type: n.type,
    module: n.module ?? REST_MODULE,
    event: n.event ?? REST_EVENT,
    tag: n.tag ?? '',
    sub_tag: n.subTag ?? '',
    title: n.title ?? '',
    message: n.message,
    message_out: n.messageOut ?? '',
    params: n.params ? JSON.stringify(n.params) : '',
    buttons: n.buttons?.length ? JSON.stringify(n.buttons) : '',
    answerable: n.answerable ? 1 : 0,
    replies: n.replies ? JSON.stringify(n.replies) : '',
    created_at: ctx.clock.now(),
  });
}

/** Deletes one of the caller's own notifications (received or sent); false when there is none. */
export async function deleteOwnNotification(ctx: DomainCtx, userId: number, id: number): Promise<boolean> {
  const row = await findNotification(ctx.db, id);
  if (!row || (row.user_id !== userId && row.author_id !== userId)) return false;
  await changed(ctx, [row.user_id]);
  return (await deleteNotification(ctx.db, id)) > 0;
}

/** Deletes every notification with this (already namespaced) TAG or SUB_TAG, whoever received it. */
export async function deleteTagged(ctx: DomainCtx, column: 'tag' | 'sub_tag', value: string): Promise<boolean> {
  await changed(ctx, await recipientsWithTag(ctx.db, column, value));
  return (await deleteByTag(ctx.db, column, value)) > 0;
}

export async function markRead(ctx: DomainCtx, userId: number, read: boolean, ids: { only: number } | { fromId: number } | 'all'): Promise<void> {
  await setRead(ctx.db, userId, read, ids);
  await changed(ctx, [userId]);
}

export async function markListRead(ctx: DomainCtx, userId: number, read: boolean, ids: number[]): Promise<void> {
  for (const id of ids) await setRead(ctx.db, userId, read, { only: id });
  await changed(ctx, [userId]);
}

export async function unreadCount(ctx: DomainCtx, userId: number): Promise<number> {
  return (await countForUser(ctx.db, userId)).unread;
}

export interface NotificationPage {
  chatId?: number;
  total?: number;
  unread?: number;
  rows: NotificationRow[];
}

/**
 * im.notify.get's page: confirmations first, then the rest, `limit` in all. `last` continues
 * after the id `LAST_ID` in the stage `LAST_TYPE` (1 confirmations, 3 the rest).
 */
export async function notificationPage(ctx: DomainCtx, userId: number, limit: number, last?: { id: number; type: number }): Promise<NotificationPage> {
  const chatId = await notifyChatId(ctx.db, userId);
  const counts = await countForUser(ctx.db, userId);
  if (chatId === undefined || counts.total === 0) return { rows: [] };
  const rows: NotificationRow[] = [];
  if (!last || last.type === NotifyType.CONFIRM) {
    rows.push(...(await listNotifications(ctx.db, { userId, confirm: true, beforeId: last?.id, limit })));
  }
  if (rows.length < limit) {
    const beforeId = last && last.type !== NotifyType.CONFIRM ? last.id : undefined;
    rows.push(...(await listNotifications(ctx.db, { userId, confirm: false, beforeId, limit: limit - rows.length })));
  }
  return { chatId, total: counts.total, unread: counts.unread, rows };
}

export interface HistorySearch extends Omit<NotificationQuery, 'userId' | 'limit'> {
  text?: string;
}

/** im.notify.history.search: every filter given, text case-insensitively; newest first. */
export async function searchNotifications(ctx: DomainCtx, userId: number, s: HistorySearch): Promise<{ chatId: number; rows: NotificationRow[] }> {
  const chatId = (await notifyChatId(ctx.db, userId)) ?? 0;
  const rows = await listNotifications(ctx.db, { ...s, userId });
  const needle = s.text?.toLowerCase();
  return { chatId, rows: needle ? rows.filter((r) => r.message.toLowerCase().includes(needle)) : rows };
}

/** The module's reply texts for a confirm value, or false when it answers nothing. */
function replyTexts(row: NotificationRow, value: string): string[] | false {
  if (!row.replies) return false;
  const text = (JSON.parse(row.replies) as Record<string, string>)[value];
  return typeof text === 'string' ? [text] : false;
}

/**
 * Presses a confirm button: only the recipient, only a value one of its buttons has. The module
 * gets the value (notification_replies), the notification loses its buttons and is read.
 */
export async function confirmNotification(ctx: DomainCtx, userId: number, id: number, value: string): Promise<string[] | false> {
  const row = await findNotification(ctx.db, id);
  if (!row || row.user_id !== userId || !row.buttons) return false;
  const buttons = JSON.parse(row.buttons) as { VALUE: string }[];
  if (!buttons.some((b) => b.VALUE === value)) return false;
  await insertReply(ctx.db, { notify_id: id, user_id: userId, module: row.module, event: row.event, tag: row.tag, kind: 'confirm', value, created_at: ctx.clock.now() });
  await updateNotification(ctx.db, id, { buttons: '', is_read: 1 });
  await changed(ctx, [userId]);
  return replyTexts(row, value);
}

/** A quick text answer: only to the recipient's answerable notifications. */
export async function answerNotification(ctx: DomainCtx, userId: number, id: number, text: string): Promise<string[] | false> {
  const row = await findNotification(ctx.db, id);
  if (!row || row.user_id !== userId || !row.answerable) return false;
  await insertReply(ctx.db, { notify_id: id, user_id: userId, module: row.module, event: row.event, tag: row.tag, kind: 'answer', value: text, created_at: ctx.clock.now() });
  await updateNotification(ctx.db, id, { is_read: 1 });
  await changed(ctx, [userId]);
  return ['Your response has been successfully sent.'];
}

/** A notification in the shape im.notify.get and im.notify.history.search answer with. */
export function formatNotification(r: NotificationRow, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id,
    chat_id: r.chat_id,
    author_id: r.author_id,
    date: isoDate(r.created_at),
    notify_type: r.notify_type,
    notify_module: r.module,
    notify_event: r.event,
    notify_tag: r.tag,
    notify_sub_tag: r.sub_tag,
    notify_title: r.title,
    setting_name: `${r.module}|${r.event}`,
    text,
    notify_read: r.is_read ? 'Y' : 'N',
  };
  if (r.buttons) out.notify_buttons = r.buttons;
  out.params = r.params ? JSON.parse(r.params) : null;
  return out;
}

/** What people answered and confirmed, oldest first (the control API's view of the callbacks). */
export async function notificationReplies(ctx: DomainCtx, userId?: number): Promise<Record<string, unknown>[]> {
  return (await listReplies(ctx.db, userId)).map((r) => ({
    id: r.id,
    notify_id: r.notify_id,
    user_id: r.user_id,
    module: r.module,
    event: r.event,
    tag: r.tag,
    kind: r.kind,
    value: r.value,
    date: isoDate(r.created_at),
  }));
}
