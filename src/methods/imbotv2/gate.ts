import { cachedRead } from '../../context.js';
import { getBot, type BotRow } from '../../bots/lifecycle.js';
import type { MethodCall } from '../../rest/registry.js';
import { parseDialogId } from '../../im/dialogs.js';
import { cachedPrivateChatId, getChat, memberRole, type ChatRole, type ChatRow } from '../../im/chats.js';
import { pick, v2Int, v2String } from './args.js';
import { V2Errors } from './errors.js';
import { sameSecret } from '../../util/secrets.js';
import { findOtherMemberId } from '../../store/repos/chats.js';
import { getUser, type UserRow } from '../../im/users.js';

/**
 * Who owns the call (api-reference/chat-bots/chat-bots-v2/index.md, `BotController::resolveClientId`): an OAuth app by its
 * client_id; otherwise the top-level `botToken` (alias `BOT_TOKEN`), then the deprecated
 * `clientId` / `CLIENT_ID`, each as `"custom" + value` — the key v1 stores for CLIENT_ID bots too,
 * so a v1 webhook bot with CLIENT_ID X answers to botToken X in v2.
 */
export interface V2Owner {
  /** the bots row's app_id this caller owns */
  key: string;
  /** the OAuth application's row id; 0 for webhook/session callers */
  restAppId: number;
  oauth: boolean;
  /** the raw botToken (webhook callers), null for OAuth */
  botToken: string | null;
}

export function v2Owner(call: MethodCall, P: Record<string, unknown>): V2Owner | null {
  if (call.caller.clientId) return { key: call.caller.clientId, restAppId: call.caller.appId ?? 0, oauth: true, botToken: null };
  const token = v2String(pick(P, 'botToken', 'BOT_TOKEN')) || v2String(pick(P, 'clientId', 'CLIENT_ID'));
  return token === '' ? null : { key: `custom${token}`, restAppId: 0, oauth: false, botToken: token };
}

export function requireV2Owner(call: MethodCall, P: Record<string, unknown>): V2Owner {
  const owner = v2Owner(call, P);
  if (!owner) throw V2Errors.tokenNotSpecified();
  return owner;
}

export interface Gated {
  owner: V2Owner;
  bot: BotRow;
}

/** The bot by id through the read cache (undefined when it does not exist). */
export function loadBot(call: MethodCall, botId: number): Promise<BotRow | undefined> {
  return cachedRead(call.ctx, `bot:${botId}`, ['bots'], () => getBot(call.ctx.db, botId));
}

/**
 * The bot gate of every `imbot.v2.*` method with a `botId` (api-reference/chat-bots/chat-bots-v2/index.md), in its order: owner key,
 * `botId` > 0, the bot exists, it is the caller's. After it the call acts as the bot user.
 */
export async function gate(call: MethodCall): Promise<Gated> {
  const P = call.params;
  const owner = requireV2Owner(call, P);
  const botId = v2Int(pick(P, 'botId', 'BOT_ID'));
  if (botId <= 0) throw V2Errors.botIdRequired();
  const bot = await loadBot(call, botId);
  if (!bot) throw V2Errors.botNotFound();
  if (!sameSecret(owner.key, bot.app_id)) throw V2Errors.ownership();
  return { owner, bot };
}

/** What a `dialogId` names from the bot's point of view; each method maps a miss to its own error. */
export type BotDialog =
  /** the dialog id is malformed, names a workgroup/CRM dialog, a missing user or a missing chat */
  | { kind: 'none' }
  /** the 1:1 dialog with `userId`; `chat` is null until someone writes in it */
  | { kind: 'private'; userId: number; chat: ChatRow | null; role: ChatRole | null }
  /** a group chat; `role` null when the bot is not a member (guest access is the method's call) */
  | { kind: 'group'; chat: ChatRow; role: ChatRole | null };

/** A user through the read cache, as imbot.message.add looks them up: the table does not change per message. */
function cachedUser(call: MethodCall, userId: number): Promise<UserRow | undefined> {
  return cachedRead(call.ctx, `user:${userId}`, ['users'], () => getUser(call.ctx.db, userId));
}

/**
 * When `dialogId` names a user (`"5"`): that user and the id of the bot's private chat with them
 * (null until someone writes in it), without reading the chat. Null for any other dialog id or a
 * missing user; `botDialog` then tells what it is.
 */
export async function botPersonalChat(call: MethodCall, botId: number): Promise<{ user: UserRow; chatId: number | null } | null> {
  const ref = parseDialogId(pick(call.params, 'dialogId', 'DIALOG_ID'));
  if (ref?.kind !== 'user') return null;
  const user = await cachedUser(call, ref.userId);
  return user ? { user, chatId: await cachedPrivateChatId(call.ctx, botId, ref.userId) } : null;
}

/**
 * `dialogId` (alias `DIALOG_ID`) resolved as the bot (api-reference/chat-bots/chat-bots-v2/index.md): `"5"` is the bot's 1:1 chat with
 * user 5, `"chat7"` is chat 7.
 */
export async function botDialog(call: MethodCall, botId: number): Promise<BotDialog> {
  const ref = parseDialogId(pick(call.params, 'dialogId', 'DIALOG_ID'));
  const db = call.ctx.db;
  if (ref?.kind === 'user') {
    const user = await cachedUser(call, ref.userId);
    if (!user) return { kind: 'none' };
    const chatId = await cachedPrivateChatId(call.ctx, botId, ref.userId);
    const chat = chatId ? ((await getChat(db, chatId)) ?? null) : null;
    return { kind: 'private', userId: ref.userId, chat, role: chat ? await memberRole(db, chat.id, botId) : null };
  }
  if (ref?.kind === 'chat') {
    const chat = await getChat(db, ref.chatId);
    if (!chat) return { kind: 'none' };
    if (chat.type === 'P') {
      const partner = await findOtherMemberId(db, chat.id, botId);
      return { kind: 'private', userId: partner ?? 0, chat, role: await memberRole(db, chat.id, botId) };
    }
    return { kind: 'group', chat, role: await memberRole(db, chat.id, botId) };
  }
  return { kind: 'none' };
}
