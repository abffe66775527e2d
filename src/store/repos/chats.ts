/**
 * Queries on `chats` and `chat_members`.
 */
import type { Db } from '../db.js';

// ---- block added by store-bots (bots/, methods/imbotv2/): functions store-im's module lacked ----

/** The chats a user is a member of (id and type), any order. */
export function listChatsOfMember(db: Db, userId: number): Promise<{ id: number; type: string }[]> {
  return db.selectFrom('chat_members').innerJoin('chats', 'chats.id', 'chat_members.chat_id').select(['chats.id', 'chats.type']).where('chat_members.user_id', '=', userId).execute();
}

/** Removes a user from every chat. */
export async function deleteMembershipsOf(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('chat_members').where('user_id', '=', userId).execute();
}

/** A chat's members in user id order with their kind and, for bots, the bot's type and openline flag. */
export function listMembersWithBotFlags(
  db: Db,
  chatId: number,
): Promise<{ user_id: number; role: string; external_auth_id: string; type: string | null; openline: string | null }[]> {
  return db
    .selectFrom('chat_members')
    .innerJoin('users', 'users.id', 'chat_members.user_id')
    .leftJoin('bots', 'bots.bot_id', 'chat_members.user_id')
    .select(['chat_members.user_id', 'chat_members.role', 'users.external_auth_id', 'bots.type', 'bots.openline'])
    .where('chat_members.chat_id', '=', chatId)
    .orderBy('chat_members.user_id')
    .execute();
}

/** A member of the chat other than `userId` (a private chat's partner). */
export async function findOtherMemberId(db: Db, chatId: number, userId: number): Promise<number | undefined> {
  return (await db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).where('user_id', '!=', userId).executeTakeFirst())?.user_id;
}
