/**
 * The "recent" list and unread counters of one person (im.recent.get/list, im.counters.get).
 * Every chat the person belongs to is an entry; its activity date is its last message's date
 * (or the chat's creation for chats without messages).
 */
import type { Db } from '../store/db.js';
import { listMembersOfChats, listMemberships, listPrivatePairs, type ChatRow } from '../store/repos/chats.js';
import { findMessages, type MessageRow } from '../store/repos/messages.js';
import { countUnreadByChat } from '../store/repos/read-state.js';

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
  const memberships = await listMemberships(db, userId);
  if (memberships.length === 0) return [];
  const chatIds = memberships.map((m) => m.id);
  const lastIds = memberships.map((m) => m.last_message_id).filter((id) => id > 0);
  const [unread, lastRows, pairs, members] = await Promise.all([
    countUnreadByChat(db, userId),
    findMessages(db, lastIds),
    listPrivatePairs(db, chatIds),
    listMembersOfChats(db, chatIds),
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
