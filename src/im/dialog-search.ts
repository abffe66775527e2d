/**
 * Reading one chat the way im.dialog.users.list and im.dialog.messages.search do: its members a
 * page at a time, and its messages matched by text and date with the users, files and reactions
 * they refer to, in the camelCase shapes of the messenger's REST adapter.
 */
import type { Db } from '../store/db.js';
import { countMembers, pageMembers, type MemberQuery } from '../store/repos/dialog-members.js';
import { reactionsOn, searchMessages, type MessageSearch } from '../store/repos/message-search.js';
import { likesOf, type MessageRow } from './messages.js';
import { formatImUser, getUsers, type UserRow } from './users.js';
import { presenceOf } from './user-status.js';
import { chatReadState, messageV2, userV2 } from './v2-entities.js';

export type { MemberQuery, MessageSearch };

/** The external user types this portal has (bots); people have none. */
export const EXTERNAL_TYPES = ['bot'] as const;

export async function memberCount(db: Db, chatId: number, q: MemberQuery): Promise<number> {
  return countMembers(db, chatId, q);
}

/** A page of members as im.* shows people (snake_case cards with their presence). */
export async function memberCards(db: Db, chatId: number, q: MemberQuery & { limit: number; offset?: number; afterId?: number }): Promise<Record<string, unknown>[]> {
  const rows = await pageMembers(db, chatId, q);
  const presence = await presenceOf(db, rows.map((r) => r.id));
  return rows.map((u) => formatImUser(u, presence.get(u.id)));
}

/** A person as the messenger's REST adapter shows them: the v2 card with the older extras. */
function adapterUser(u: UserRow): Record<string, unknown> {
  const card = formatImUser(u);
  return { ...userV2(u), avatarHr: '', network: false, botData: null, type: card.type };
}

type Reaction = { message_id: number; user_id: number; reaction: string };

/**
 * The reactions block of the adapter: per message, counters by code, users by code, the viewer's
 * own. A like (the v1 LIKE param) is the reaction `like`.
 */
function reactionsBlock(messages: MessageRow[], stored: Reaction[], viewerId: number): Record<string, unknown>[] {
  const likes: Reaction[] = messages.flatMap((m) => likesOf(m).map((userId) => ({ message_id: m.id, user_id: userId, reaction: 'like' })));
  const byMessage = new Map<number, Reaction[]>();
  for (const r of [...likes, ...stored]) byMessage.set(r.message_id, [...(byMessage.get(r.message_id) ?? []), r]);
  return [...byMessage.entries()].map(([messageId, list]) => {
    const counters: Record<string, number> = {};
    const users: Record<string, number[]> = {};
    for (const r of list) {
      counters[r.reaction] = (counters[r.reaction] ?? 0) + 1;
      users[r.reaction] = [...(users[r.reaction] ?? []), r.user_id];
    }
    return { messageId, reactionCounters: counters, reactionUsers: users, ownReactions: list.filter((r) => r.user_id === viewerId).map((r) => r.reaction) };
  });
}

/** im.dialog.messages.search's result for `viewerId`. `fileCards` renders the files the messages carry. */
export async function searchDialog(
  db: Db,
  s: MessageSearch,
  viewerId: number,
  fileCards: (messages: MessageRow[]) => Promise<Record<string, unknown>[]>,
): Promise<Record<string, unknown>> {
  const rows = await searchMessages(db, s);
  const read = await chatReadState(db, s.chatId, viewerId);
  const messages = rows.map((m) => {
    const v2 = messageV2(m, 'response', read);
    const params = v2.params as Record<string, unknown>;
    return {
      id: m.id,
      chatId: m.chat_id,
      chat_id: m.chat_id,
      authorId: m.author_id,
      author_id: m.author_id,
      date: v2.date,
      text: m.text,
      isSystem: v2.isSystem,
      uuid: m.uuid || null,
      forward: v2.forward,
      params: Object.keys(params).length ? params : [],
      viewedByOthers: v2.viewedByOthers,
      block: null,
      unread: v2.unread,
      viewed: v2.viewed,
      viewedCount: (read.cursors ?? []).filter((c) => c.userId !== m.author_id && c.lastReadId >= m.id).length,
    };
  });
  const stored = await reactionsOn(db, rows.map((m) => m.id));
  const reactions = [...rows.flatMap((m) => likesOf(m).map((userId) => ({ user_id: userId }))), ...stored];
  const userIds = [...new Set([...rows.map((m) => m.author_id), ...reactions.map((r) => r.user_id)].filter((id) => id > 0))];
  const users = await getUsers(db, userIds);
  const authors = new Set(rows.map((m) => m.author_id));
  return {
    users: users.filter((u) => authors.has(u.id)).map(adapterUser),
    files: await fileCards(rows),
    additionalMessages: [],
    copilot: null,
    stickers: [],
    reactions: reactionsBlock(rows, stored, viewerId),
    tariffRestrictions: { isHistoryLimitExceeded: false },
    usersShort: users.filter((u) => reactions.some((r) => r.user_id === u.id)).map((u) => ({ id: u.id, name: adapterUser(u).name, avatar: '' })),
    messages,
  };
}
