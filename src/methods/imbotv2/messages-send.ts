import type { BotRow } from '../../bots/lifecycle.js';
import { isMember, openPrivateChat, roleAllows } from '../../im/chats.js';
import { getMessage, isDeleted, parseParams, postMessage, type ForwardInfo, type MessageRow, type ParamsPatch } from '../../im/messages.js';
import { phpEmpty } from '../../rest/php.js';
import type { MethodCall } from '../../rest/registry.js';
import { findMessageIdByUuid } from '../../store/repos/messages.js';
import { attachValue, keyboardValue } from '../im/message-common.js';
import { fieldsOf, pick, v2Bool, v2Int, v2String, v2Text } from './args.js';
import { V2Errors } from './errors.js';
import { botDialog, botPersonalChat, gate } from './gate.js';
import { MessageV2Errors, isUuid } from './messages-common.js';

/*
 * imbot.v2.Chat.Message.send (api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-send.md). Checks, in order: the bot gate; the dialog
 * (ACCESS_DENIED unless the bot may post there); `forwardIds` (TOO_MANY_MESSAGES, WRONG_UUID);
 * something to send (EMPTY_MESSAGE); ATTACH (ATTACH_OVERSIZE, ATTACH_ERROR) and KEYBOARD (the v1
 * validators and codes); `replyId` (MESSAGE_NOT_FOUND); the forwarded originals (ACCESS_DENIED).
 * The call is one transaction, so a refusal at any step posts nothing.
 *
 * Like imbot.message.add, a bot's own message raises no bot events (notifyMessage is for what
 * people write).
 */

const MAX_FORWARDS = 100;

/**
 * The chat the bot posts into. A personal dialog with an active user opens the private chat on
 * first contact, as imbot.message.add does; a group chat needs membership and `canPost`.
 */
async function postableChat(call: MethodCall, bot: BotRow): Promise<number> {
  // The bot's 1:1 chat with a user: both are its members for as long as it exists (a private chat
  // has no leave or kick; it goes with the bot), so neither its row nor the bot's role is read.
  const personal = await botPersonalChat(call, bot.bot_id);
  if (personal) {
    if (personal.chatId !== null) return personal.chatId;
    const user = personal.user;
    if (!user.active || user.id === bot.bot_id) throw V2Errors.accessDenied();
    return (await openPrivateChat(call.ctx, bot.bot_id, user.id)).chatId;
  }
  const dialog = await botDialog(call, bot.bot_id);
  // a private chat named by its id (`"chat7"`) is the bot's only when it is a member
  if (dialog.kind === 'private' && dialog.chat && dialog.role !== null) return dialog.chat.id;
  // the chat's `canPost` rule (Chat `permissions`, api-reference/chat-bots/chat-bots-v2/entities.md), as File.upload checks it; `none` lets nobody post
  if (dialog.kind === 'group' && roleAllows(dialog.chat, dialog.role, 'can_post')) return dialog.chat.id;
  throw V2Errors.accessDenied();
}

/** `forwardIds` `{uuid: messageId}` in the caller's order: at most 100, every key a UUID. */
function forwardList(value: unknown): { uuid: string; messageId: number }[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FORWARDS) throw MessageV2Errors.tooManyMessages();
  return entries.map(([uuid, id]) => {
    if (!isUuid(uuid)) throw MessageV2Errors.wrongUuid();
    return { uuid, messageId: v2Int(id) };
  });
}

/** A message already sent into this chat under this uuid: a retried call posts nothing new. */
async function sentBefore(call: MethodCall, chatId: number, uuid: string | null): Promise<number | null> {
  return uuid ? findMessageIdByUuid(call.ctx.db, chatId, uuid) : null;
}

/** The original a forward points to: a forward of a forward keeps the first original. */
function forwardOrigin(source: MessageRow): ForwardInfo {
  if (source.forward_id !== null && source.forward_id !== undefined) {
    return { id: source.forward_id, userId: source.forward_user_id ?? 0, chatId: source.forward_chat_id ?? 0, date: source.forward_date ?? 0 };
  }
  return { id: source.id, userId: source.author_id, chatId: source.chat_id, date: source.created_at };
}

/** The originals to forward: live messages of chats the bot is in (else ACCESS_DENIED). */
async function forwardSources(call: MethodCall, bot: BotRow, list: { uuid: string; messageId: number }[]): Promise<MessageRow[]> {
  const rows: MessageRow[] = [];
  for (const { messageId } of list) {
    const row = messageId > 0 ? await getMessage(call.ctx.db, messageId) : undefined;
    if (!row || isDeleted(row) || !(await isMember(call.ctx.db, row.chat_id, bot.bot_id))) throw V2Errors.accessDenied();
    rows.push(row);
  }
  return rows;
}

/** Params a forwarded copy keeps: the content (attachment, files), not the original's buttons or likes. */
function forwardedParams(source: MessageRow): ParamsPatch {
  const params = parseParams(source);
  const out: ParamsPatch = {};
  for (const key of ['ATTACH', 'FILE_ID', 'URL_PREVIEW']) if (params[key] !== undefined) out[key] = params[key];
  return out;
}

/** `replyId`: a message of the same chat (MESSAGE_NOT_FOUND otherwise). */
async function replyTarget(call: MethodCall, chatId: number, value: unknown): Promise<number | null> {
  const id = v2Int(value);
  if (id <= 0) return null;
  const row = await getMessage(call.ctx.db, id);
  if (!row || row.chat_id !== chatId) throw V2Errors.messageNotFound();
  return row.id;
}

export async function messageSend(call: MethodCall): Promise<{ id: number | null; uuidMap: Record<string, number> }> {
  const { bot } = await gate(call);
  const F = fieldsOf(call.params);
  const chatId = await postableChat(call, bot);
  const forwards = forwardList(pick(F, 'forwardIds'));
  const text = v2Text(pick(F, 'message'));
  const attach = pick(F, 'attach');
  const keyboard = pick(F, 'keyboard');
  if (text === '' && phpEmpty(attach) && forwards.length === 0) throw MessageV2Errors.emptyMessage();

  const now = call.ctx.clock.now();
  const params: ParamsPatch = {};
  if (!phpEmpty(attach)) params.ATTACH = attachValue(attach, now);
  if (!phpEmpty(keyboard)) params.KEYBOARD = keyboardValue(keyboard, bot.bot_id);
  if (!v2Bool(pick(F, 'urlPreview'), true)) params.URL_PREVIEW = 'N';
  // skipConnector / silentConnector concern open-line connectors, which this portal does not have.
  const replyId = await replyTarget(call, chatId, pick(F, 'replyId'));
  if (replyId !== null) params.REPLY_ID = replyId;
  const sources = await forwardSources(call, bot, forwards);
  // A system message belongs to nobody: authorId 0, so the bot can no longer edit it.
  const authorId = v2Bool(pick(F, 'system'), false) ? 0 : bot.bot_id;
  // Any non-UUID templateId is ignored, as the messenger's Uuid::validate does.
  const templateId = v2String(pick(F, 'templateId')).trim();
  const uuid = isUuid(templateId) ? templateId : null;

  let id: number | null = null;
  if (text !== '' || params.ATTACH !== undefined) {
    id = (await sentBefore(call, chatId, uuid)) ?? (await postMessage(call.ctx, { chatId, authorId, text, system: authorId === 0, params, uuid, replyId }));
  }
  const uuidMap: Record<string, number> = {};
  for (const [i, source] of sources.entries()) {
    const key = forwards[i].uuid;
    uuidMap[key] =
      (await sentBefore(call, chatId, key)) ??
      (await postMessage(call.ctx, { chatId, authorId: bot.bot_id, text: source.text, params: forwardedParams(source), uuid: key, forward: forwardOrigin(source) }));
  }
  return { id, uuidMap };
}
