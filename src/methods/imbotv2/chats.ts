import { checkAvatar } from '../../im/avatar.js';
import { CHAT_COLORS, createChat, getChat, removeChatUser, roleAllows, updateChatLook, type ChatLook, type ChatRow } from '../../im/chats.js';
import { postMessage } from '../../im/messages.js';
import { chatV2 } from '../../im/v2-entities.js';
import { notifyGroupJoins, notifyMessage } from '../../events/notify.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { fieldsOf, idList, pick, toUpperSnake, v2Int, v2String, v2Text } from './args.js';
import { V2Errors } from './errors.js';
import { gate } from './gate.js';
import { botUsers, ChatV2Errors, deniedOnRefusal, done, gateDialog, groupChatOf, requireUnrestricted } from './chats-common.js';
import { v2ChatMemberMethods } from './chats-members.js';

/*
 * imbot.v2.Chat.add / get / update / leave (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/). Every change goes through the same
 * domain functions as imbot.chat.* / im.chat.*, so v1 sees it and the same events fire.
 */

/**
 * A colour code (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-add.md#available-colors) as the v1 value it stores (`lightBlue` → `LIGHT_BLUE`; the v1 spelling is
 * accepted as well); undefined when it is not a chat colour.
 */
function storedColor(value: unknown): string | undefined {
  const color = toUpperSnake(v2String(value));
  return CHAT_COLORS.includes(color) ? color : undefined;
}

/**
 * A Base64 avatar (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/) as a `data:` URL. Neither Chat.add nor Chat.update documents an avatar
 * error, so a value that is not an image of an accepted size is ignored, as imbot.chat.add does.
 */
function avatarOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const avatar = checkAvatar(value);
  return avatar.ok ? avatar.dataUrl : undefined;
}

async function chatResult(call: MethodCall, chat: ChatRow, botId: number): Promise<Record<string, unknown>> {
  return { chat: await chatV2(call.ctx.db, chat, botId, 'response'), users: await botUsers(call, botId) };
}

/**
 * Chat.add: the bot creates a group chat (`fields.type` `open` → open chat, anything else a closed
 * one). The bot is always a member; `ownerId` (unchecked, the newer docs) owns it instead of the bot.
 * An invalid colour is assigned automatically. The first `message` is the bot's.
 */
async function chatAdd(call: MethodCall): Promise<Record<string, unknown>> {
  const { bot } = await gate(call);
  const botId = bot.bot_id;
  const F = fieldsOf(call.params);
  const ownerId = v2Int(pick(F, 'ownerId'));
  const created = await createChat(call.ctx, {
    // case-insensitive, so the v1 spelling OPEN works too
    type: v2String(pick(F, 'type')).toLowerCase() === 'open' ? 'O' : 'C',
    title: v2String(pick(F, 'title')).trim(),
    description: v2String(pick(F, 'description')),
    color: storedColor(pick(F, 'color')),
    avatar: avatarOf(pick(F, 'avatar')),
    authorId: botId,
    users: idList(pick(F, 'userIds')),
    ownerId: ownerId > 0 && ownerId !== botId ? ownerId : undefined,
    // The call acts as the bot user, never an extranet user, so the entity is always bound.
    entityType: v2String(pick(F, 'entityType')),
    entityId: v2String(pick(F, 'entityId')),
  });
  await notifyGroupJoins(call.ctx, created.botJoins);
  const message = v2String(pick(F, 'message')).trim();
  if (message !== '') {
    const id = await postMessage(call.ctx, { chatId: created.chatId, authorId: botId, text: v2Text(message) });
    await notifyMessage(call.ctx, id, 'add');
  }
  const chat = await getChat(call.ctx.db, created.chatId);
  if (!chat) throw ChatV2Errors.creation();
  return chatResult(call, chat, botId);
}

/** Chat.get: a chat the bot is in, or any open chat (role `guest`, the newer docs). */
async function chatGet(call: MethodCall): Promise<Record<string, unknown>> {
  const { botId, dialog } = await gateDialog(call);
  // A personal dialog nobody has written in yet has no chat to show.
  if (dialog.kind === 'none' || !dialog.chat) throw V2Errors.chatNotFound();
  if (dialog.role === null && dialog.chat.type !== 'O') throw V2Errors.accessDenied();
  return chatResult(call, dialog.chat, botId);
}

/**
 * Chat.update: title, description, colour and avatar in one call, with the rights of
 * imbot.chat.updateTitle/updateColor/updateAvatar (`manage_ui`). Group chats only (src
 * `ChatTypeFilter(GroupChat)`, the filter behind Manager.*'s WRONG_MESSAGE_TYPE). Values that
 * would change nothing (an empty title, an unknown colour or the current one, a bad avatar) are
 * left out rather than refused: the method documents no error for them.
 */
async function chatUpdate(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const chat = groupChatOf(dialog, ChatV2Errors.wrongType);
  if (!roleAllows(chat, dialog.kind === 'group' ? dialog.role : null, 'manage_ui')) throw V2Errors.accessDenied();
  const F = fieldsOf(call.params);
  const look: ChatLook = {};
  const title = v2String(pick(F, 'title')).trim();
  if (title !== '') look.title = title;
  if (pick(F, 'description') !== undefined) look.description = v2String(pick(F, 'description'));
  const color = storedColor(pick(F, 'color'));
  if (color !== undefined && color !== chat.color) look.color = color;
  const avatar = avatarOf(pick(F, 'avatar'));
  if (avatar !== undefined) look.avatar = avatar;
  if (look.title !== undefined) requireUnrestricted(chat, 'rename');
  if (look.avatar !== undefined) requireUnrestricted(chat, 'avatar');
  if (Object.keys(look).length > 0) await deniedOnRefusal(() => updateChatLook(call.ctx, chat.id, botId, look));
  return done;
}

/**
 * Chat.leave: the bot leaves a group chat. As in v1 the owner may not leave before handing the
 * chat over (Chat.setOwner): that refusal is ACCESS_DENIED, v2's only error here.
 */
async function chatLeave(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const chat = groupChatOf(dialog, V2Errors.accessDenied);
  requireUnrestricted(chat, 'leave');
  await deniedOnRefusal(() => removeChatUser(call.ctx, chat.id, botId, botId));
  return done;
}

export const v2ChatsMethods: MethodSpec[] = [
  { name: 'imbot.v2.Chat.add', scope: 'imbot', write: true, handler: chatAdd, onStoreFailure: ChatV2Errors.creation },
  { name: 'imbot.v2.Chat.get', scope: 'imbot', handler: chatGet },
  { name: 'imbot.v2.Chat.update', scope: 'imbot', write: true, handler: chatUpdate },
  { name: 'imbot.v2.Chat.leave', scope: 'imbot', write: true, handler: chatLeave },
  ...v2ChatMemberMethods,
];
