import type { DomainCtx } from '../context.js';
import { reportChange } from '../changes.js';
import type { Db } from '../store/db.js';
import { listLiveInputActions, replaceInputAction } from '../store/repos/input-actions.js';

/*
 * "Bot is typing…" / "Agent is thinking…" indicators (imbot.v2.Chat.InputAction.notify,
 * api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/chat-input-action-notify.md). Stored rather than kept in memory so that every process (and a future
 * web messenger) sees the same state; an indicator lapses at `expires_at` on the domain clock.
 */

/** The status codes a client can show (same page); anything else shows the plain "typing" indicator. */
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
  await replaceInputAction(ctx.db, chatId, userId, code, expiresAt);
  reportChange(ctx, { chatId, kind: 'typing', userId });
}

/** The indicators of a chat that have not lapsed at `now`, by user id. */
export async function activeInputActions(db: Db, chatId: number, now: number): Promise<InputAction[]> {
  return listLiveInputActions(db, chatId, now);
}
