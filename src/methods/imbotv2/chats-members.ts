import { activeMemberRows, addChatUsers, removeChatUser, setChatManagers, setChatOwner, type MemberOrder } from '../../im/chats.js';
import { userV2 } from '../../im/v2-entities.js';
import { notifyGroupJoins } from '../../events/notify.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { idList, objectParam, pick, upperSnakeToCamel, v2Int, v2String } from './args.js';
import { V2Errors } from './errors.js';
import { ChatV2Errors, deniedOnRefusal, done, gateDialog, groupChatOf, requireUnrestricted } from './chats-common.js';

/*
 * imbot.v2.Chat.User.* / Chat.Manager.* / Chat.setOwner (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/), acting as the bot
 * through the domain functions imbot.chat.user.* / setManager / setOwner use, with v2's
 * permission model (`manageUsersAdd`, `manageUsersDelete`, `manageSettings`).
 */

/**
 * Chat.User.add: needs `manageUsersAdd` (the portal's behaviour; `member` by default). Unknown, inactive and
 * present users are skipped; bots that join get ONIMBOTJOINCHAT as with imbot.chat.user.add.
 * An empty `userIds` adds nobody and answers true (the method documents no error for it).
 */
async function userAdd(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const chat = groupChatOf(dialog, V2Errors.accessDenied);
  const userIds = idList(pick(call.params, 'userIds'));
  requireUnrestricted(chat, 'extend');
  const added = await deniedOnRefusal(() => addChatUsers(call.ctx, chat.id, botId, userIds, null));
  await notifyGroupJoins(call.ctx, added.botJoins);
  return done;
}

function userIdParam(call: MethodCall): number {
  const userId = v2Int(pick(call.params, 'userId'));
  if (userId <= 0) throw ChatV2Errors.userIdRequired();
  return userId;
}

/**
 * Chat.User.delete: needs `manageUsersDelete` (`manager`); only the owner removes a manager and
 * nobody removes the owner. Idempotent: a user who is not a member gives true (src swallows
 * USER_NOT_FOUND) once the bot's right is established. `userId` = the bot itself is leaving.
 */
async function userDelete(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const userId = userIdParam(call);
  const chat = groupChatOf(dialog, V2Errors.accessDenied);
  requireUnrestricted(chat, 'leave');
  await deniedOnRefusal(() => removeChatUser(call.ctx, chat.id, botId, userId, { byPermission: true, missingOk: true }));
  return done;
}

const ORDER_KEYS: readonly MemberOrder[] = ['id', 'lastSendMessageId', 'userId'];

/** `order`: the first recognised key (camelCase or UPPER_CASE) with ASC|DESC; default `{id: ASC}`. */
function memberOrder(value: unknown): { key: MemberOrder; desc: boolean } {
  for (const [name, dir] of Object.entries(objectParam(value))) {
    const key = (ORDER_KEYS as readonly string[]).includes(name) ? name : upperSnakeToCamel(name);
    if ((ORDER_KEYS as readonly string[]).includes(key)) return { key: key as MemberOrder, desc: v2String(dir).toUpperCase() === 'DESC' };
  }
  return { key: 'id', desc: false };
}

/** `limit`: 50 when absent, otherwise clamped to 1–200 (api-reference/chat-bots/chat-bots-v2/index.md). */
function memberLimit(value: unknown): number {
  if (value === undefined || value === null || value === '') return 50;
  return Math.min(200, Math.max(1, v2Int(value)));
}

/**
 * Chat.User.list: the active members as Users, a bare array (api-reference/chat-bots/chat-bots-v2/index.md). Readable by a member, and
 * (as im.chat.user.list allows anyone for an open chat) by a guest of an open chat. A personal
 * dialog lists both sides once its chat exists.
 */
async function userList(call: MethodCall): Promise<Record<string, unknown>[]> {
  const { dialog } = await gateDialog(call);
  if (dialog.kind === 'none' || !dialog.chat) throw V2Errors.chatNotFound();
  if (dialog.role === null && dialog.chat.type !== 'O') throw V2Errors.accessDenied();
  const { key, desc } = memberOrder(pick(call.params, 'order'));
  const rows = await activeMemberRows(call.ctx.db, dialog.chat.id, key, desc, memberLimit(pick(call.params, 'limit')));
  return rows.map((u) => userV2(u, 'response'));
}

/**
 * Chat.Manager.add / delete: group chats only (WRONG_MESSAGE_TYPE otherwise), `manageSettings`
 * (the owner by default). Non-members, the owner and, revoking, non-managers are skipped: true
 * does not mean something changed. The owner therefore stays in `managerList` after delete.
 */
function managers(isManager: boolean) {
  return async (call: MethodCall): Promise<typeof done> => {
    const { botId, dialog } = await gateDialog(call);
    const userIds = idList(pick(call.params, 'userIds'));
    if (userIds.length === 0) throw ChatV2Errors.emptyUserIds();
    const chat = groupChatOf(dialog, ChatV2Errors.wrongType);
    await deniedOnRefusal(() => setChatManagers(call.ctx, chat.id, botId, userIds, isManager));
    return done;
  };
}

/**
 * Chat.setOwner: same right as Manager.*. `userId` is not checked for existence or membership
 * (the newer docs): a non-member becomes the owner on joining. The previous owner stays a manager.
 */
async function setOwner(call: MethodCall): Promise<typeof done> {
  const { botId, dialog } = await gateDialog(call);
  const userId = userIdParam(call);
  const chat = groupChatOf(dialog, V2Errors.accessDenied);
  await deniedOnRefusal(() => setChatOwner(call.ctx, chat.id, botId, userId, true));
  return done;
}

export const v2ChatMemberMethods: MethodSpec[] = [
  { name: 'imbot.v2.Chat.User.add', scope: 'imbot', write: true, handler: userAdd },
  { name: 'imbot.v2.Chat.User.delete', scope: 'imbot', write: true, handler: userDelete },
  { name: 'imbot.v2.Chat.User.list', scope: 'imbot', handler: userList },
  { name: 'imbot.v2.Chat.Manager.add', scope: 'imbot', write: true, handler: managers(true) },
  { name: 'imbot.v2.Chat.Manager.delete', scope: 'imbot', write: true, handler: managers(false) },
  { name: 'imbot.v2.Chat.setOwner', scope: 'imbot', write: true, handler: setOwner },
];
