import { answerCommand } from '../../bots/commands.js';
import { getChat, isMember } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { getMessage, type MessageRow } from '../../im/messages.js';
import { messageAttach, normalizeKeyboard, normalizeMenu, RICH_ERROR_TEXTS, type RichErrorCode } from '../../im/rich/index.js';
import { phpEmpty } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import type { Db } from '../../store/db.js';
import { fieldsOf, pick, v2Bool, v2Int, v2Text } from './args.js';
import { botCommand, CommandErrors } from './commands-fields.js';
import { v2Error } from './errors.js';
import { gate } from './gate.js';

/*
 * imbot.v2.Command.answer (api-reference/chat-bots/chat-bots-v2/imbot.v2/commands/command-answer.md, api-reference/chat-bots/chat-bots-v2/migration.md): the v1 answer path (`answerCommand`) with a
 * required `dialogId` and the message under `fields`. Access comes from the messageId+commandId
 * pair, not from membership: outside the chat the answer is a system message naming the bot.
 */

const richError = (code: RichErrorCode) => v2Error(code, RICH_ERROR_TEXTS[code]);


/** `fields.attach` / `keyboard` / `menu`, validated like the v1 answer (empty or `"N"` = none). */
function richParts(call: MethodCall, F: Record<string, unknown>, botId: number) {
  const out: { attach?: unknown; keyboard?: unknown; menu?: unknown } = {};
  const attach = pick(F, 'attach');
  if (!phpEmpty(attach) && attach !== 'N') {
    const r = messageAttach(attach, { now: call.ctx.clock.now() });
    if (!r.ok) throw richError(r.error);
    out.attach = r.attach;
  }
  const keyboard = pick(F, 'keyboard');
  if (!phpEmpty(keyboard) && keyboard !== 'N') {
    const r = normalizeKeyboard(keyboard, { botId });
    if (!r.ok) throw richError(r.error);
    out.keyboard = r.keyboard;
  }
  const menu = pick(F, 'menu');
  if (!phpEmpty(menu) && menu !== 'N') {
    // As in v1, the answer's menu size is not checked.
    const r = normalizeMenu(menu, { botId, checkSize: false });
    if (!r.ok) throw richError(r.error);
    out.menu = r.menu;
  }
  return out;
}

/**
 * Whether `dialogId` names the chat of the command's message as the bot would see it: `chatN`
 * for that chat, or a participant's user id for a 1:1 chat (the bot's own 1:1 dialog with the
 * person, or either person of a 1:1 chat where a common command was typed).
 */
async function dialogHoldsMessage(db: Db, raw: unknown, message: MessageRow): Promise<boolean> {
  const ref = parseDialogId(raw);
  if (ref?.kind === 'chat') return ref.chatId === message.chat_id;
  if (ref?.kind !== 'user') return false;
  const chat = await getChat(db, message.chat_id);
  return chat?.type === 'P' && (await isMember(db, chat.id, ref.userId));
}

async function answer(call: MethodCall): Promise<{ result: true }> {
  const { bot } = await gate(call);
  const P = call.params;
  const command = await botCommand(call, bot.bot_id);
  const F = fieldsOf(P);
  const text = v2Text(pick(F, 'message'));
  const rich = richParts(call, F, bot.bot_id);
  // Like Message.send: text or an attachment (a keyboard alone is no message).
  if (text === '' && rich.attach === undefined) throw CommandErrors.answerFailed();
  const message = await getMessage(call.ctx.db, v2Int(pick(P, 'messageId')));
  if (!message || !(await dialogHoldsMessage(call.ctx.db, pick(P, 'dialogId'), message))) throw CommandErrors.answerFailed();
  const posted = await answerCommand(call.ctx, command, message.id, {
    text,
    system: v2Bool(pick(F, 'system'), false),
    urlPreview: v2Bool(pick(F, 'urlPreview'), true),
    ...rich,
  });
  // `true`: the command's ten-minute answer window is closed (or was never opened) — v1 answers
  // `true` having posted nothing; a v2 bot is told its answer did not go out.
  if (posted === null || posted === true) throw CommandErrors.answerFailed();
  return { result: true };
}

export const v2CommandAnswerMethod: MethodSpec = {
  name: 'imbot.v2.Command.answer',
  scope: 'imbot',
  write: true,
  handler: answer,
  onStoreFailure: CommandErrors.answerFailed,
};
