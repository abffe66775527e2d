import type { DomainCtx } from '../context.js';
import { reportChange } from '../changes.js';
import type { Db } from '../store/db.js';

/*
 * "Bot is typing…" / "Agent is thinking…" indicators (imbot.v2.Chat.InputAction.notify,
 * imbot-v2.md §2.9, §4.9). Stored rather than kept in memory so that every process (and a future
 * web messenger) sees the same state; an indicator lapses at `expires_at` on the domain clock.
 */

/** The status codes a client can show (§4.9); anything else shows the plain "typing" indicator. */
export const INPUT_ACTION_CODES: readonly string[] = [
  'IMBOT_AGENT_ACTION_THINKING',
  'IMBOT_AGENT_ACTION_SEARCHING',
  'IMBOT_AGENT_ACTION_GENERATING',
  'IMBOT_AGENT_ACTION_ANALYZING',
  'IMBOT_AGENT_ACTION_PROCESSING',
  'IMBOT_AGENT_ACTION_TRANSLATING',
  'IMBOT_AGENT_ACTION_CONNECTING',
  'IMBOT_AGENT_ACTION_CHECKING',
  'IMBOT_AGENT_ACTION_CALCULATING',
  'IMBOT_AGENT_ACTION_READING_DOCS',
  'IMBOT_AGENT_ACTION_COMPOSING',
];

export interface InputAction {
  userId: number;
  /** '' = plain typing */
  code: string;
  expiresAt: number;
}

/** `userId` shows `code` in `chatId` for `seconds`, replacing what it showed before. */
export async function setInputAction(ctx: DomainCtx, chatId: number, userId: number, code: string, seconds: number): Promise<void> {
  const expiresAt = ctx.clock.now() + seconds * 1000;
  await ctx.db.deleteFrom('chat_input_actions').where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  await ctx.db.insertInto('chat_input_actions').values({ chat_id: chatId, user_id: userId, code, expires_at: expiresAt }).execute();
  reportChange(ctx, { chatId, kind: 'typing', userId });
}

/** The indicators of a chat that have not lapsed at `now`, by user id. */
export async function activeInputActions(db: Db, chatId: number, now: number): Promise<InputAction[]> {
  const rows = await db
    .selectFrom('chat_input_actions')
    .select(['user_id', 'code', 'expires_at'])
    .where('chat_id', '=', chatId)
    .where('expires_at', '>', now)
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({ userId: r.user_id, code: r.code, expiresAt: Number(r.expires_at) }));
}
