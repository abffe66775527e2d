import type { DomainCtx } from '../context.js';
import { reportChange } from '../changes.js';
import type { Db } from '../store/db.js';
import { deleteReaction, insertReaction, listReactionsOf } from '../store/repos/messages.js';
import { likeMessage, likesOf, type LikeAction, type MessageRow } from './messages.js';

/*
 * Message reactions (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md). Codes are kept in their camelCase wire form.
 *
 * One platform: the v2 `like` reaction IS the v1 like (im.message.like / imbot.message.like,
 * `params.LIKE`), so a like set through either API is seen and removable through the other. Every
 * other code lives in the message_reactions table. Deleting a message drops both (deleteMessage).
 */

/** The 48 codes of that page, in the documented order. */
export const REACTION_CODES: readonly string[] = [
  'like', 'dislike', 'faceWithTearsOfJoy', 'redHeart', 'neutralFace', 'fire', 'cry', 'slightlySmilingFace',
  'winkingFace', 'laugh', 'kiss', 'wonder', 'slightlyFrowningFace', 'loudlyCryingFace', 'faceWithStuckOutTongue',
  'faceWithStuckOutTongueAndWinkingEye', 'smilingFaceWithSunglasses', 'confusedFace', 'flushedFace', 'thinkingFace',
  'angry', 'smilingFaceWithHorns', 'faceWithThermometer', 'facepalm', 'poo', 'flexedBiceps', 'clappingHands',
  'raisedHand', 'smilingFaceWithHeartEyes', 'smilingFaceWithHearts', 'pleadingFace', 'relievedFace', 'foldedHands',
  'okHand', 'signHorns', 'loveYouGesture', 'clownFace', 'partyingFace', 'questionMark', 'exclamationMark',
  'lightBulb', 'bomb', 'sleepingSymbol', 'crossMark', 'whiteHeavyCheckMark', 'eyes', 'handshake', 'hundredPoints',
];

const LIKE = 'like';

/** Exact, case-sensitive match: `Like` or `LIKE` is not a code. */
export function isReactionCode(code: string): boolean {
  return REACTION_CODES.includes(code);
}

/** The codes `userId` has set on a message (like first). */
export async function reactionsOf(db: Db, row: MessageRow, userId: number): Promise<string[]> {
  const own = await listReactionsOf(db, row.id, userId);
  return likesOf(row).includes(userId) ? [LIKE, ...own] : own;
}

/** Sets a reaction; false when `userId` had already set it (nothing changes then). */
export async function addReaction(ctx: DomainCtx, row: MessageRow, userId: number, code: string): Promise<boolean> {
  if (code === LIKE) return (await likeMessage(ctx, row, userId, 'plus')) !== null;
  if ((await reactionsOf(ctx.db, row, userId)).includes(code)) return false;
  await insertReaction(ctx.db, row.id, userId, code, ctx.clock.now());
  reportChange(ctx, { chatId: row.chat_id, kind: 'message' });
  return true;
}

/** Removes a reaction; false when `userId` had not set it. */
export async function removeReaction(ctx: DomainCtx, row: MessageRow, userId: number, code: string): Promise<boolean> {
  if (code === LIKE) return (await likeMessage(ctx, row, userId, 'minus')) !== null;
  const removed = await deleteReaction(ctx.db, row.id, userId, code);
  if (removed) reportChange(ctx, { chatId: row.chat_id, kind: 'message' });
  return removed;
}

/** A v1 like call (`auto` toggles) as the reaction change it made; null when nothing changed. */
export async function likeAsReaction(ctx: DomainCtx, row: MessageRow, userId: number, action: LikeAction): Promise<'add' | 'delete' | null> {
  const change = await likeMessage(ctx, row, userId, action);
  if (!change) return null;
  return change.after && likesOf(change.after).includes(userId) ? 'add' : 'delete';
}
