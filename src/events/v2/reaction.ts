import { getBot } from '../../bots/lifecycle.js';
import type { DomainCtx } from '../../context.js';
import { signalOutbox } from '../signal.js';
import { deliverToBot } from './dispatch.js';
import { messageScene, reactionPayload } from './payload.js';
import { recordUserReaction } from './user-events.js';

export interface ReactionEvent {
  messageId: number;
  /** who reacted */
  userId: number;
  /** camelCase code (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md#reactions) */
  reaction: string;
  action: 'add' | 'delete';
}

/**
 * A reaction changed (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md): ONIMBOTV2REACTIONCHANGE to the message's author when it
 * is a v2 bot — only reactions on the bot's own messages, and not its own reaction (v1 has no
 * REST reaction event) — and ONIMV2REACTIONCHANGE to the chat's subscribed people.
 */
export async function emitReactionEvents(ctx: DomainCtx, r: ReactionEvent): Promise<void> {
  const scene = await messageScene(ctx, r.messageId);
  if (!scene) return;
  if (scene.authorId !== r.userId) {
    const bot = await getBot(ctx.db, scene.authorId);
    if (bot && bot.api_version === 2) {
      const lanes = new Set<string>();
      await deliverToBot(ctx, bot, 'ONIMBOTV2REACTIONCHANGE', (b) => reactionPayload(ctx, scene, r.reaction, r.action, r.userId, b.bot_id), r.userId, lanes);
      if (lanes.size) signalOutbox(ctx, [...lanes]);
    }
  }
  await recordUserReaction(ctx, scene, r.reaction, r.action, r.userId);
}
