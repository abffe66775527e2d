/**
 * The "recent" list and unread counters of one person (im.recent.get/list, im.counters.get).
 * Every chat the person belongs to is an entry; its activity date is its last message's date
 * (or the chat's creation for chats without messages).
 */
import type { Db } from '../store/db.js';
import type { ChatRow } from './chats.js';
import { unreadByChat, type MessageRow } from './messages.js';

export interface RecentEntry {
  chat: ChatRow;
  role: string;
  muted: boolean;
  lastReadId: number;
  counter: number;
  /** the other person of a private chat */
  partnerId: number | null;
  lastMessage: MessageRow | null;
  /** ms of the last activity */
  activity: number;
  memberCount: number;
  managers: number[];
}

export async function recentEntries(db: Db, userId: number): Promise<RecentEntry[]> {
  const memberships = await db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .selectAll('chats')
    .select(['chat_members.role as member_role', 'chat_members.muted as member_muted', 'chat_members.last_read_message_id as member_read'])
    .where('chat_members.user_id', '=', userId)
    .execute();
  if (memberships.length === 0) return [];
  const chatIds = memberships.map((m) => m.id);
  const lastIds = memberships.map((m) => m.last_message_id).filter((id) => id > 0);
  const [unread, lastRows, pairs, members] = await Promise.all([
    unreadByChat(db, userId),
    lastIds.length ? db.selectFrom('messages').selectAll().where('id', 'in', lastIds).execute() : Promise.resolve([]),
    db.selectFrom('private_dialogs').selectAll().where('chat_id', 'in', chatIds).execute(),
    db.selectFrom('chat_members').select(['chat_id', 'user_id', 'role']).where('chat_id', 'in', chatIds).execute(),
  ]);
  const lastById = new Map(lastRows.map((r) => [r.id, r]));
  const partner = new Map(pairs.map((p) => [p.chat_id, p.user_lo === userId ? p.user_hi : p.user_lo]));
  return memberships
    .map((m) => {
      const { member_role, member_muted, member_read, ...chat } = m;
      const lastMessage = lastById.get(chat.last_message_id) ?? null;
      const people = members.filter((x) => x.chat_id === chat.id);
      return {
        chat,
        role: member_role,
        muted: member_muted === 1,
        lastReadId: member_read,
        counter: unread.get(chat.id) ?? 0,
        partnerId: partner.get(chat.id) ?? null,
        lastMessage,
        activity: lastMessage?.created_at ?? chat.created_at,
        memberCount: people.length,
        managers: people.filter((x) => x.role === 'owner' || x.role === 'manager').map((x) => x.user_id),
      };
    })
    .sort((a, b) => b.activity - a.activity || b.chat.id - a.chat.id);
}
