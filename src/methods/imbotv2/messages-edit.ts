import { notifyDeletion } from '../../events/notify.js';
import { canChangeMessage, deleteMessage, isDeleted, updateMessageParams, updateMessageText, type ParamsPatch } from '../../im/messages.js';
import type { MethodCall } from '../../rest/registry.js';
import { attachValue, isSet, keyboardValue, richPatchValue } from '../im/message-common.js';
import { fieldsOf, pick, v2Bool, v2Text } from './args.js';
import { V2Errors } from './errors.js';
import { gate } from './gate.js';
import { isChatAdmin, messageIdParam, reachMessage } from './messages-common.js';

/*
 * imbot.v2.Chat.Message.update and .delete (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-update.md, chat-message-delete.md), on the domain functions
 * imbot.message.update/delete use, with the same rules: the bot edits its own live messages within
 * the messenger's 3-day window; it deletes its own messages, and as a group-chat owner or manager
 * anyone's (system ones too).
 */

/**
 * `fields.message` / `attach` / `keyboard` / `urlPreview`. ATTACH and KEYBOARD are validated
 * before anything is written; `"N"` or an empty value removes them. As in imbot.message.update an
 * empty `message` deletes the message (soft) and a bot's edit carries no "edited" mark. Text is
 * cut at 20 000 characters as on send (the portal's behaviour).
 */
export async function messageUpdate(call: MethodCall): Promise<{ result: true }> {
  const { bot } = await gate(call);
  const F = fieldsOf(call.params);
  const reached = await reachMessage(call, bot, messageIdParam(call.params));
  // A system message has authorId 0, so it is nobody's to edit.
  if (!reached || !canChangeMessage(call.ctx, reached.row, bot.bot_id, 'edit')) throw V2Errors.accessDenied();
  const now = call.ctx.clock.now();
  const patch: ParamsPatch = {};
  const attach = pick(F, 'attach');
  const keyboard = pick(F, 'keyboard');
  const message = pick(F, 'message');
  const urlPreview = pick(F, 'urlPreview');
  if (isSet(attach)) patch.ATTACH = richPatchValue(attach, (v) => attachValue(v, now));
  if (isSet(keyboard)) patch.KEYBOARD = richPatchValue(keyboard, (v) => keyboardValue(v, bot.bot_id));
  if (isSet(message) || isSet(urlPreview)) patch.URL_PREVIEW = v2Bool(urlPreview, true) ? null : 'N';
  if (isSet(message)) await updateMessageText(call.ctx, reached.row, v2Text(message), patch);
  else if (Object.keys(patch).length > 0) await updateMessageParams(call.ctx, reached.row, patch);
  return { result: true };
}

/**
 * `complete` (default false) removes the row instead of leaving the "deleted" stub; a stub can
 * still be removed completely. Deleting someone else's message is what a person deleting it is:
 * the bots that heard it are told (notifyDeletion, as im.message.delete does); the bot's own
 * messages raise no event, as with imbot.message.delete.
 */
export async function messageDelete(call: MethodCall): Promise<{ result: true }> {
  const { bot } = await gate(call);
  const reached = await reachMessage(call, bot, messageIdParam(call.params));
  const complete = v2Bool(pick(call.params, 'complete'), false);
  if (!reached) throw V2Errors.accessDenied();
  const { row } = reached;
  const allowed = row.author_id === bot.bot_id || isChatAdmin(reached);
  if (!allowed || (isDeleted(row) && !complete)) throw V2Errors.accessDenied();
  if (!isDeleted(row) && row.author_id !== bot.bot_id) await notifyDeletion(call.ctx, row.id);
  await deleteMessage(call.ctx, row, complete);
  return { result: true };
}
