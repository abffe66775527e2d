import { emitContextGet } from '../../events/v2/context.js';
import { getChat, memberIds, privateChatId, type ChatRow } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { listBotIdsAmong } from '../../store/repos/bots.js';
import { userExists } from '../../store/repos/users.js';
import { pick } from '../imbotv2/args.js';
import { v2Error } from '../imbotv2/errors.js';

/*
 * im.v2.Chat.Bot.sendContext (api-reference/chat-bots/chat-bots-v2/imbot.v2/bot-context.md): the messenger client tells the bots of a
 * dialog the BOT_CONTEXT it was opened with. The portal documents one error code,
 * BOT_CONTEXT_ERROR, and no texts; ours say which check failed (checked in this order).
 */
const ContextErrors = {
  /** dialogId missing or malformed, or naming a user/chat that does not exist */
  dialog: () => v2Error('BOT_CONTEXT_ERROR', 'Dialog not found'),
  /** a group chat the caller is not a member of */
  access: () => v2Error('BOT_CONTEXT_ERROR', 'Access denied'),
  /** a 1:1 dialog with a person, or a group chat without bots */
  noBot: () => v2Error('BOT_CONTEXT_ERROR', 'There is no bot in this dialog'),
  /** `context` missing, or not a JSON object */
  context: () => v2Error('BOT_CONTEXT_ERROR', 'Context must be an object'),
} as const;

interface Target {
  chat: ChatRow | null;
  botIds: number[];
  /** the dialog id as the bots see it */
  dialogId: string;
}

/** The dialog as the caller names it: `"<botId>"` (1:1, chat created or not) or `"chatN"`. */
async function targetOf(call: MethodCall, me: number): Promise<Target> {
  const ref = parseDialogId(pick(call.params, 'dialogId'));
  const db = call.ctx.db;
  if (ref?.kind === 'user') {
    if (!(await userExists(db, ref.userId))) throw ContextErrors.dialog();
    const botIds = ref.userId === me ? [] : await listBotIdsAmong(db, [ref.userId]);
    if (botIds.length === 0) throw ContextErrors.noBot();
    const chatId = await privateChatId(db, me, ref.userId);
    return { chat: chatId ? ((await getChat(db, chatId)) ?? null) : null, botIds, dialogId: String(me) };
  }
  if (ref?.kind === 'chat') {
    const chat = await getChat(db, ref.chatId);
    if (!chat) throw ContextErrors.dialog();
    const members = await memberIds(db, chat.id);
    if (!members.includes(me)) throw ContextErrors.access();
    const botIds = await listBotIdsAmong(db, members.filter((id) => id !== me));
    if (botIds.length === 0) throw ContextErrors.noBot();
    return { chat, botIds, dialogId: chat.type === 'P' ? String(me) : `chat${chat.id}` };
  }
  throw ContextErrors.dialog();
}

async function sendContext(call: MethodCall): Promise<unknown> {
  const me = call.caller.userId;
  const target = await targetOf(call, me);
  const context = pick(call.params, 'context');
  if (context === null || typeof context !== 'object' || Array.isArray(context)) throw ContextErrors.context();
  await emitContextGet(call.ctx, { userId: me, ...target, context: context as Record<string, unknown> });
  return { result: true };
}

export const imV2ContextMethods: MethodSpec[] = [{ name: 'im.v2.Chat.Bot.sendContext', scope: 'im', write: true, handler: sendContext }];
