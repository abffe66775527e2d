/** Queries on `bots` (owned by the bots aggregate). */
import type { Db } from '../db.js';

// ---------------------------------------------------------------------------------------------
// Added by the messenger's store work (im.v2 context): which users are bots.

/** The bot users among `ids`, ascending. */
export async function listBotIdsAmong(db: Db, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('bots').select('bot_id').where('bot_id', 'in', ids).orderBy('bot_id').execute();
  return rows.map((r) => r.bot_id);
}
