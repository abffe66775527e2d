import type { Selectable } from 'kysely';
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import type { ChatsTable } from '../store/schema.js';

export type ChatRow = Selectable<ChatsTable>;

export function getChat(db: Db, chatId: number): Promise<ChatRow | undefined> {
  return db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirst();
}

export async function privateChatId(db: Db, a: number, b: number): Promise<number | null> {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const row = await db.selectFrom('private_dialogs').select('chat_id').where('user_lo', '=', lo).where('user_hi', '=', hi).executeTakeFirst();
  return row?.chat_id ?? null;
}

/** The private chat between two users, created on first contact. */
export async function openPrivateChat(ctx: DomainCtx, a: number, b: number): Promise<{ chatId: number; created: boolean }> {
  const existing = await privateChatId(ctx.db, a, b);
  if (existing !== null) return { chatId: existing, created: false };
  const now = ctx.clock.now();
  const chat = await ctx.db
    .insertInto('chats')
    .values({ type: 'P', author_id: a, owner_id: 0, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const [lo, hi] = a < b ? [a, b] : [b, a];
  await ctx.db.insertInto('private_dialogs').values({ user_lo: lo, user_hi: hi, chat_id: chat.id }).execute();
  const members = a === b ? [a] : [a, b];
  await ctx.db
    .insertInto('chat_members')
    .values(members.map((u) => ({ chat_id: chat.id, user_id: u, role: 'member', joined_at: now })))
    .execute();
  return { chatId: chat.id, created: true };
}

/** The other party of a private chat, seen from `viewerId`. */
export async function privatePartner(db: Db, chatId: number, viewerId: number): Promise<number | null> {
  const row = await db.selectFrom('private_dialogs').select(['user_lo', 'user_hi']).where('chat_id', '=', chatId).executeTakeFirst();
  if (!row) return null;
  return row.user_lo === viewerId ? row.user_hi : row.user_lo;
}

export interface NewGroupChat {
  type: 'C' | 'O';
  title: string;
  description?: string;
  color?: string;
  authorId: number;
  users: number[];
  entityType?: string;
  entityId?: string;
}

const COLORS = ['RED', 'GREEN', 'MINT', 'LIGHT_BLUE', 'DARK_BLUE', 'PURPLE', 'AQUA', 'PINK', 'LIME', 'BROWN', 'AZURE', 'KHAKI', 'SAND', 'MARENGO', 'GRAY', 'GRAPHITE'];
export const CHAT_COLORS: readonly string[] = COLORS;

/** Creates a group chat; the author is always a member and its owner. Returns the chat id. */
export async function createGroupChat(ctx: DomainCtx, c: NewGroupChat): Promise<number> {
  const now = ctx.clock.now();
  const color = c.color && COLORS.includes(c.color) ? c.color : COLORS[now % COLORS.length];
  const chat = await ctx.db
    .insertInto('chats')
    .values({
      type: c.type,
      title: c.title,
      description: c.description ?? '',
      color,
      author_id: c.authorId,
      owner_id: c.authorId,
      entity_type: c.entityType ?? '',
      entity_id: c.entityId ?? '',
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!c.title) {
    await ctx.db.updateTable('chats').set({ title: `Chat #${chat.id}` }).where('id', '=', chat.id).execute();
  }
  const users = [...new Set([c.authorId, ...c.users])];
  await ctx.db
    .insertInto('chat_members')
    .values(users.map((u) => ({ chat_id: chat.id, user_id: u, role: u === c.authorId ? 'owner' : 'member', joined_at: now })))
    .execute();
  return chat.id;
}

export async function isMember(db: Db, chatId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
  return !!row;
}

export async function memberIds(db: Db, chatId: number): Promise<number[]> {
  const rows = await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

/**
 * Deletes chats outright: rows, members, private-dialog index and every message. Used when a
 * bot user is deleted (its private chats go with it).
 */
export async function deleteChats(db: Db, chatIds: number[]): Promise<void> {
  if (chatIds.length === 0) return;
  await db.deleteFrom('messages').where('chat_id', 'in', chatIds).execute();
  await db.deleteFrom('chat_members').where('chat_id', 'in', chatIds).execute();
  await db.deleteFrom('private_dialogs').where('chat_id', 'in', chatIds).execute();
  await db.deleteFrom('chats').where('id', 'in', chatIds).execute();
}
