import { checkAvatar } from '../../im/avatar.js';
import { formatChat } from '../../im/chat-view.js';
import {
  addChatUsers,
  CHAT_COLORS,
  ChatError,
  chatByEntity,
  chatRestrictions,
  createChat,
  getChat,
  isGroupChat,
  memberIds,
  memberRole,
  removeChatUser,
  resolveDialog,
  roleAllows,
  setChatManager,
  setChatOwner,
  setTextFieldEnabled,
  updateChatLook,
  canSeeChat,
  type BotJoin,
  type ChatRestrictions,
} from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { normalizeText, postMessage } from '../../im/messages.js';
import { getUser } from '../../im/users.js';
import { notifyGroupJoins, notifyMessage } from '../../events/notify.js';
import type { RestError } from '../../rest/errors.js';
import { idval, isPhpArray, phpBool, phpEmpty, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodHandler } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';
import { actingBot, requireOwner } from '../imbot/owner.js';

/*
 * On a portal im.chat.* and imbot.chat.* are the same handlers (im_rest.php): the imbot variant
 * resolves the acting bot at one fixed point of the evaluation order and then acts as the bot
 * user. Each handler here is written once and built for both sides.
 */

type Params = Record<string, unknown>;
/** Who acts: the calling person, or (imbot) the bot picked by BOT_ID auto-fill. */
type Side = 'im' | 'imbot';

async function actor(call: MethodCall, P: Params, side: Side): Promise<number> {
  if (side === 'im') return call.caller.userId;
  return (await actingBot(call, requireOwner(call, P), P)).bot_id;
}

/**
 * The seam for `ONIMBOTJOINCHAT` (api-reference/chat-bots/outdated/chats/events/on-imbot-join-chat.md): every group-chat join of a bot passes
 * through here, inside the call's transaction. Delivery belongs to the events outbox.
 */
export async function afterBotJoins(call: MethodCall, joins: BotJoin[]): Promise<void> {
  await notifyGroupJoins(call.ctx, joins);
}

const isset = (v: unknown) => v !== undefined && v !== null;

/** CHAT_ID, or DIALOG_ID in a chat form instead (undocumented; the portal's behaviour). */
function chatIdParam(P: Params): number {
  let raw = P.CHAT_ID;
  if (isset(P.DIALOG_ID)) {
    const ref = parseDialogId(P.DIALOG_ID);
    if (!ref || ref.kind === 'user') throw ChatErrors.dialogEmpty();
    raw = ref.kind === 'chat' ? ref.chatId : 0; // no workgroup or CRM chats exist here
  }
  const chatId = idval(raw);
  if (chatId <= 0) throw ChatErrors.chatIdEmpty();
  return chatId;
}

/** im/imbot.chat.add USERS: a list or its JSON; falsy entries dropped; only ints and strings. */
function createUsersParam(raw: unknown): number[] {
  if (!isset(raw)) return [];
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      list = null;
    }
  }
  if (!isPhpArray(list)) return [];
  const values = Object.values(list).filter(phpBool);
  for (const v of values) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) throw ChatErrors.usersWrongType();
  }
  return values.map(idval);
}

/** user.add USERS: a list of ids, or one id (CIMChat::AddUser). */
function addUsersParam(raw: unknown): number[] {
  if (isPhpArray(raw)) return Object.values(raw).map(idval);
  return [idval(raw)];
}

/** HIDE_HISTORY: absent → null (history visible), "N" → false, else PHP truthiness. */
function hideHistoryParam(raw: unknown): boolean | null {
  if (!isset(raw)) return null;
  return raw === 'N' ? false : phpBool(raw);
}

/** Entity-bound chats forbid some actions; a chat that does not exist forbids nothing here. */
async function requireAllowed(call: MethodCall, chatId: number, action: keyof ChatRestrictions, error: () => RestError): Promise<void> {
  const chat = await getChat(call.ctx.db, chatId);
  if (chat && !chatRestrictions(chat)[action]) throw error();
}

/** Runs a domain step, turning its refusal into the method's error. */
async function refusedAs<T>(run: () => Promise<T>, error: () => RestError): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ChatError && err.reason === 'owner_cannot_leave') throw ChatErrors.ownerCannotLeave();
    if (err instanceof ChatError) throw error();
    throw err;
  }
}

/** Colours a chat may be set to (Color::isSafeColor, exact case). */
const SAFE_COLORS = [...CHAT_COLORS, 'COPILOT'];

function chatAdd(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const users = createUsersParam(P.USERS);
    const authorId = await actor(call, P, side);
    const caller = await getUser(call.ctx.db, call.caller.userId);
    const bindEntity = caller?.user_type !== 'extranet';
    const avatar = isset(P.AVATAR) ? checkAvatar(P.AVATAR) : null;
    const color = phpString(P.COLOR).toUpperCase();
    const created = await createChat(call.ctx, {
      type: P.TYPE === 'OPEN' ? 'O' : 'C',
      title: phpString(P.TITLE),
      description: phpString(P.DESCRIPTION),
      color: CHAT_COLORS.includes(color) ? color : undefined,
      authorId,
      users,
      entityType: bindEntity ? phpString(P.ENTITY_TYPE) : '',
      entityId: bindEntity ? phpString(P.ENTITY_ID) : '',
      avatar: avatar?.ok ? avatar.dataUrl : undefined,
    });
    await afterBotJoins(call, created.botJoins);
    const message = phpString(P.MESSAGE).trim();
    if (message !== '') {
      const id = await postMessage(call.ctx, { chatId: created.chatId, authorId, text: normalizeText(message) });
      await notifyMessage(call.ctx, id, 'add');
    }
    return created.chatId;
  };
}

/** The dialog as the calling person sees it (never the bot: api-reference/chat-bots/outdated/chats/imbot-dialog-get.md; the portal's behaviour). */
async function dialogView(call: MethodCall, dialogId: unknown): Promise<Record<string, unknown>> {
  const ref = parseDialogId(dialogId);
  if (!ref) throw ChatErrors.dialogEmpty();
  const viewer = call.caller.userId;
  const { access, chatId } = await resolveDialog(call.ctx.db, ref, viewer);
  if (!access) throw ChatErrors.noDialogAccess();
  const chat = chatId === null ? undefined : await getChat(call.ctx.db, chatId);
  if (!chat) throw ChatErrors.noChatAccess();
  return { ...(await formatChat(call.ctx.db, chat, viewer)), dialog_id: dialogId };
}

const dialogGet: MethodHandler = (call) => dialogView(call, upperKeys(call.params).DIALOG_ID);

/** im/imbot.chat.get: `{ID}` of the chat bound to ENTITY_TYPE/ENTITY_ID, or the DIALOG_ID view. */
const chatGet: MethodHandler = async (call) => {
  const P = upperKeys(call.params);
  if (isset(P.DIALOG_ID)) return dialogView(call, P.DIALOG_ID);
  if (phpEmpty(P.ENTITY_TYPE) || phpEmpty(P.ENTITY_ID)) return null;
  const id = await chatByEntity(call.ctx.db, phpString(P.ENTITY_TYPE), phpString(P.ENTITY_ID));
  return id === null ? null : { ID: id };
};

function setOwner(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const userId = idval(P.USER_ID);
    if (userId <= 0) throw ChatErrors.userIdEmpty();
    const me = await actor(call, P, side);
    await refusedAs(() => setChatOwner(call.ctx, chatId, me, userId), ChatErrors.ownerNotChanged);
    return true;
  };
}

function setManager(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const userId = idval(P.USER_ID);
    const isManager = P.IS_MANAGER !== 'N';
    if (userId <= 0) throw ChatErrors.userIdEmpty();
    const me = await actor(call, P, side);
    await refusedAs(() => setChatManager(call.ctx, chatId, me, userId, isManager), ChatErrors.managerNotChanged);
    return true;
  };
}

function updateColor(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const color = P.COLOR;
    if (typeof color !== 'string' || !SAFE_COLORS.includes(color)) throw ChatErrors.wrongColor();
    const me = await actor(call, P, side);
    await refusedAs(() => updateChatLook(call.ctx, chatId, me, { color }), ChatErrors.colorNotSet);
    return true;
  };
}

function updateTitle(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const title = phpString(P.TITLE).trim();
    if (phpEmpty(title)) throw ChatErrors.titleEmpty();
    const me = await actor(call, P, side);
    await requireAllowed(call, chatId, 'rename', ChatErrors.cantRename);
    // A portal answers true even when the rename itself is refused (api-reference/chat-bots/outdated/chats/imbot-chat-update-title.md; the portal's behaviour; the page is silent).
    await updateChatLook(call.ctx, chatId, me, { title }).catch((err) => {
      if (!(err instanceof ChatError)) throw err;
    });
    return true;
  };
}

function updateAvatar(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const me = await actor(call, P, side);
    const chat = await getChat(call.ctx.db, chatId);
    if (isGroupChat(chat) && !roleAllows(chat, await memberRole(call.ctx.db, chatId, me), 'manage_ui')) throw ChatErrors.avatarDenied();
    await requireAllowed(call, chatId, 'avatar', ChatErrors.cantChangeAvatar);
    const avatar = checkAvatar(P.AVATAR);
    if (!avatar.ok) throw avatar.reason === 'type' ? ChatErrors.avatarType() : ChatErrors.avatarSize();
    await refusedAs(() => updateChatLook(call.ctx, chatId, me, { avatar: avatar.dataUrl }), ChatErrors.avatarNoChat);
    return true;
  };
}

function userAdd(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    await requireAllowed(call, chatId, 'extend', ChatErrors.cantAddUsers);
    const me = await actor(call, P, side);
    const hideHistory = hideHistoryParam(P.HIDE_HISTORY);
    const added = await refusedAs(() => addChatUsers(call.ctx, chatId, me, addUsersParam(P.USERS), hideHistory), ChatErrors.usersNotAdded);
    await afterBotJoins(call, added.botJoins);
    return true;
  };
}

/** user.delete needs USER_ID; leave removes the actor, or USER_ID when one is given. */
function userDelete(side: Side, mode: 'delete' | 'leave'): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const userId = idval(P.USER_ID);
    await requireAllowed(call, chatId, 'leave', ChatErrors.cantDeleteUsers);
    const me = await actor(call, P, side);
    if (mode === 'delete' && userId <= 0) throw ChatErrors.userIdEmpty();
    await refusedAs(() => removeChatUser(call.ctx, chatId, me, userId > 0 ? userId : me), ChatErrors.userNotDeleted);
    return true;
  };
}

/** Member ids of a chat the actor may see; `[]` (no error) otherwise. */
function userList(side: Side): MethodHandler {
  return async (call) => {
    const P = upperKeys(call.params);
    const chatId = chatIdParam(P);
    const me = await actor(call, P, side);
    const chat = await getChat(call.ctx.db, chatId);
    if (!isGroupChat(chat) || !(await canSeeChat(call.ctx.db, chat, me))) return [];
    return memberIds(call.ctx.db, chatId);
  };
}

const updateTextFieldEnabled: MethodHandler = async (call) => {
  const P = upperKeys(call.params);
  const chatId = chatIdParam(P);
  if (!isset(P.TEXT_FIELD_ENABLED) || P.TEXT_FIELD_ENABLED === '') throw ChatErrors.textFieldEmpty();
  const enabled = P.TEXT_FIELD_ENABLED !== 'N';
  const me = await actor(call, P, 'imbot');
  await refusedAs(() => setTextFieldEnabled(call.ctx, chatId, me, enabled), ChatErrors.textFieldNoAccess);
  return true;
};

/** The handlers for one side; the imbot-only ones live here too so every rule is in one place. */
export function chatHandlers(side: Side) {
  return {
    add: chatAdd(side),
    get: chatGet,
    dialogGet,
    setOwner: setOwner(side),
    setManager: setManager(side),
    updateColor: updateColor(side),
    updateTitle: updateTitle(side),
    updateAvatar: updateAvatar(side),
    userAdd: userAdd(side),
    userDelete: userDelete(side, 'delete'),
    leave: userDelete(side, 'leave'),
    userList: userList(side),
    updateTextFieldEnabled,
  };
}
