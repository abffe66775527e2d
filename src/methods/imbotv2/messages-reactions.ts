import { notifyReaction } from '../../events/notify.js';
import { isDeleted } from '../../im/messages.js';
import { addReaction, isReactionCode, removeReaction } from '../../im/reactions.js';
import type { MethodCall } from '../../rest/registry.js';
import { pick, v2String } from './args.js';
import { V2Errors } from './errors.js';
import { gate } from './gate.js';
import { MessageV2Errors, messageIdParam, reachMessage } from './messages-common.js';

/*
 * imbot.v2.Chat.Message.Reaction.add / .delete (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-reaction-add.md, chat-message-reaction-delete.md), as the bot, on a live
 * message of a chat it is a member of (ACCESS_DENIED otherwise, checked first); then the code
 * (REACTION_NOT_FOUND for an unknown one). Adding a reaction the bot already set is
 * REACTION_ALREADY_SET; removing one it has not set is REACTION_NOT_FOUND (nothing to remove).
 * `like` is the v1 like (src/im/reactions.ts).
 */
function reactionMethod(action: 'add' | 'delete') {
  return async (call: MethodCall): Promise<{ result: true }> => {
    const { bot } = await gate(call);
    const reached = await reachMessage(call, bot, messageIdParam(call.params));
    if (!reached || isDeleted(reached.row) || reached.role === null) throw V2Errors.accessDenied();
    const reaction = v2String(pick(call.params, 'reaction'));
    if (!isReactionCode(reaction)) throw MessageV2Errors.reactionNotFound();
    if (action === 'add') {
      if (!(await addReaction(call.ctx, reached.row, bot.bot_id, reaction))) throw MessageV2Errors.reactionAlreadySet();
    } else if (!(await removeReaction(call.ctx, reached.row, bot.bot_id, reaction))) {
      throw MessageV2Errors.reactionNotFound();
    }
    await notifyReaction(call.ctx, { messageId: reached.row.id, userId: bot.bot_id, reaction, action });
    return { result: true };
  };
}

export const reactionAdd = reactionMethod('add');
export const reactionDelete = reactionMethod('delete');
