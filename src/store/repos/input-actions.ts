/** Queries on `chat_input_actions`: the live "is typing"-like indicators of users in chats. */
import type { Db } from '../db.js';

/** Sets the indicator of `userId` in a chat, replacing whatever it showed before. */
export async function replaceInputAction(db: Db, chatId: number, userId: number, code: string, expiresAt: number): Promise<void> {
  await db.deleteFrom('chat_input_actions').where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  await db.insertInto('chat_input_actions').values({ chat_id: chatId, user_id: userId, code, expires_at: expiresAt }).execute();
}

/** A chat's indicators still live after `now`, by user id. */
export async function listLiveInputActions(db: Db, chatId: number, now: number): Promise<{ userId: number; code: string; expiresAt: number }[]> {
  const rows = await db
    .selectFrom('chat_input_actions')
    .select(['user_id', 'code', 'expires_at'])
    .where('chat_id', '=', chatId)
    .where('expires_at', '>', now)
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({ userId: r.user_id, code: r.code, expiresAt: Number(r.expires_at) }));
}
