import type { BotRow } from '../../bots/lifecycle.js';
import { getChat, isMember, openPrivateChat } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { normalizeText, postMessage } from '../../im/messages.js';
import { fullName, getUser } from '../../im/users.js';
import { upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImbotErrors } from './errors.js';
import { actingBot, requireOwner } from './owner.js';

/** Where a bot's message goes: the private chat with a user, or a group chat it belongs to. */
async function targetChat(call: MethodCall, bot: BotRow, dialogId: unknown): Promise<{ chatId: number; group: boolean } | null> {
  const ref = parseDialogId(dialogId);
  if (!ref) throw ImbotErrors.dialogEmpty();
  if (ref.kind === 'user') {
    const user = await getUser(call.ctx.db, ref.userId);
    if (!user || !user.active || user.id === bot.bot_id) return null;
    const { chatId } = await openPrivateChat(call.ctx, bot.bot_id, user.id);
    return { chatId, group: false };
  }
  if (ref.kind === 'chat') {
    const chat = await getChat(call.ctx.db, ref.chatId);
    if (!chat || chat.type === 'P' || !(await isMember(call.ctx.db, chat.id, bot.bot_id))) return null;
    return { chatId: chat.id, group: true };
  }
  return null; // workgroup and CRM chats do not exist on this portal
}

async function messageAdd(call: MethodCall): Promise<number> {
  const P = upperKeys(call.params);
  const owner = requireOwner(call, P);
  const bot = await actingBot(call, owner, P);
  if (!parseDialogId(P.DIALOG_ID)) throw ImbotErrors.dialogEmpty();
  // A JSON number is not a message text (the real server checks is_string).
  const text = typeof P.MESSAGE === 'string' ? P.MESSAGE.trim() : '';
  if (text === '') throw ImbotErrors.messageEmpty();

  const target = await targetChat(call, bot, P.DIALOG_ID);
  if (!target) throw ImbotErrors.messageNotAdded();
  const system = P.SYSTEM === 'Y';
  let body = normalizeText(text);
  if (system && target.group) {
    const botUser = await getUser(call.ctx.db, bot.bot_id);
    body = `${botUser ? fullName(botUser) : ''}:\n${body}`;
  }
  const params: Record<string, unknown> = {};
  if (P.URL_PREVIEW === 'N') params.URL_PREVIEW = 'N';
  return postMessage(call.ctx, { chatId: target.chatId, authorId: bot.bot_id, text: body, system, params });
}

export const imbotMessageMethods: MethodSpec[] = [
  { name: 'imbot.message.add', scope: 'imbot', write: true, handler: messageAdd, onStoreFailure: ImbotErrors.messageNotAdded },
];
