/**
 * Queries on `messages`.
 */
import type { Db } from '../db.js';

// ---- block added by store-bots (bots/): functions store-im's module lacked ----

/** The id of the chat's message just before `messageId`, if any. */
export async function findPreviousMessageId(db: Db, chatId: number, messageId: number): Promise<number | undefined> {
  return (await db.selectFrom('messages').select('id').where('chat_id', '=', chatId).where('id', '<', messageId).orderBy('id', 'desc').limit(1).executeTakeFirst())?.id;
}

/** How many messages a user wrote that are not deleted. */
export async function countMessagesBy(db: Db, authorId: number): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('author_id', '=', authorId).where('deleted', '=', 0).executeTakeFirst();
  return Number(row?.n ?? 0);
}
