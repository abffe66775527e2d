import type { Selectable } from 'kysely';
import type { DomainCtx } from '../context.js';
import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import type { MessagesTable } from '../store/schema.js';

export type MessageRow = Selectable<MessagesTable>;

/** Longest text the messenger keeps; longer texts are cut with a marker (imbot-v1.md §4.2). */
export const MESSAGE_LIMIT = 20_000;

/** Message text as the messenger stores it: `[BR]`/`#BR#` become newlines, over-long text is cut. */
export function normalizeText(text: string): string {
  let t = text.replace(/\[br\]|#BR#/gi, '\n');
  if (t.length > MESSAGE_LIMIT + 6) t = t.slice(0, MESSAGE_LIMIT) + ' (...)';
  return t;
}

export interface NewMessage {
  chatId: number;
  authorId: number;
  text: string;
  system?: boolean;
  params?: Record<string, unknown>;
  uuid?: string | null;
  replyId?: number | null;
}

export async function postMessage(ctx: DomainCtx, m: NewMessage): Promise<number> {
  const row = await ctx.db
    .insertInto('messages')
    .values({
      chat_id: m.chatId,
      author_id: m.authorId,
      text: m.text,
      system: m.system ? 'Y' : 'N',
      params: JSON.stringify(m.params ?? {}),
      uuid: m.uuid ?? null,
      reply_id: m.replyId ?? null,
      created_at: ctx.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .updateTable('chats')
    .set((eb) => ({ last_message_id: row.id, message_count: eb('message_count', '+', 1) }))
    .where('id', '=', m.chatId)
    .execute();
  return row.id;
}

export interface HistoryQuery {
  /** messages newer than this id, oldest first */
  firstId?: number;
  /** messages older than this id */
  lastId?: number;
  limit: number;
}

/** A page of a chat's history, newest first (as im.dialog.messages.get lists it). */
export async function chatHistory(db: Db, chatId: number, q: HistoryQuery): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).where('deleted', '=', 0);
  if (q.firstId !== undefined && q.firstId > 0) {
    const rows = await query.where('id', '>', q.firstId).orderBy('id', 'asc').limit(q.limit).execute();
    return rows.reverse();
  }
  if (q.lastId !== undefined && q.lastId > 0) query = query.where('id', '<', q.lastId);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

export function parseParams(row: MessageRow): Record<string, unknown> {
  try {
    const p = JSON.parse(row.params);
    return p && typeof p === 'object' ? p : {};
  } catch {
    return {};
  }
}

/** A message as im.dialog.messages.get shows it. */
export function formatImMessage(row: MessageRow, unread: boolean): Record<string, unknown> {
  const params = parseParams(row);
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
