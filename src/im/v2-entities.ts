import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import { listMembers } from '../store/repos/chats.js';
import { listReadMarks } from '../store/repos/read-state.js';
import { chatKind } from './chat-view.js';
import { colorHex } from './colors.js';
import { chatPermissions, type ChatRow } from './chats.js';
import { parseParams, unreadSummary, type MessageRow } from './messages.js';
import { departmentsOf, fullName, userColor, type UserRow } from './users.js';

/*
 * The entities of the v2 API (api-reference/chat-bots/chat-bots-v2/entities.md) in camelCase, as method responses and fetch-mode
 * events carry them (JSON types kept). Webhook-mode events stringify these same objects.
 * Shared by src/methods/imbotv2 (responses) and src/events (payloads), hence domain code.
 */

export type Where = 'response' | 'event';

/** User. In events the online fields are always false. */
export function userV2(u: UserRow, where: Where = 'response'): Record<string, unknown> {
  const isBot = u.external_auth_id === 'bot';
  const birthday = /^\d{4}-(\d{2})-(\d{2})$/.exec(u.personal_birthday);
  const online = where === 'response' && u.last_activity ? isoDate(u.last_activity) : false;
  return {
    id: u.id,
    active: !!u.active,
    name: fullName(u),
    firstName: u.name,
    lastName: u.last_name,
    workPosition: u.work_position,
    color: userColor(u),
    avatar: '',
    gender: u.personal_gender === 'F' ? 'F' : 'M',
    birthday: birthday ? `${birthday[2]}-${birthday[1]}` : '',
    extranet: u.user_type === 'extranet',
    bot: isBot,
    connector: false,
    externalAuthId: isBot ? 'bot' : 'default',
    status: 'online',
    idle: false,
    lastActivityDate: online,
    mobileLastDate: false,
    desktopLastDate: false,
    absent: false,
    departments: departmentsOf(u),
    phones: false,
    type: isBot ? 'bot' : u.user_type === 'extranet' ? 'extranet' : 'employee',
    website: u.personal_www,
    email: u.email,
  };
}

/** `manage_users_add` → `manageUsersAdd`, with the keys v2 adds (Chat `permissions`). */
function permissionsV2(chat: ChatRow): Record<string, string> {
  const p = chatPermissions(chat);
  return {
    manageUsersAdd: p.manage_users_add!,
    manageUsersDelete: p.manage_users_delete!,
    manageUi: p.manage_ui!,
    manageSettings: p.manage_settings!,
    manageMessages: p.manage_messages!,
    manageMessagesAutoDelete: 'owner',
    manageGuestInvites: 'none',
    manageDelete: 'owner',
    canPost: p.can_post!,
  };
}

/**
 * Chat as `viewerId` sees it. `dialogId` of a private chat is the other party. Events get the
 * fields marked "in events" (no `role`, `muteList` or response-only counters); responses get all,
 * using the documented shapes (boolean textFieldEnabled, 0 for missing ids).
 */
export async function chatV2(db: Db, chat: ChatRow, viewerId: number, where: Where = 'response'): Promise<Record<string, unknown>> {
  const members = await listMembers(db, chat.id);
  const partner = members.find((m) => m.user_id !== viewerId)?.user_id ?? viewerId;
  const base: Record<string, unknown> = {
    id: chat.id,
    dialogId: chat.type === 'P' ? String(partner) : `chat${chat.id}`,
    name: chat.title,
    type: chatKind(chat),
    messageType: chat.type,
    owner: chat.owner_id,
    color: colorHex(chat.color) ?? null,
    avatar: chat.avatar,
    description: chat.description,
    extranet: !!chat.extranet,
    containsCollaber: false,
    entityType: chat.entity_type,
    entityId: chat.entity_id,
    entityData1: chat.entity_data_1,
    entityData2: chat.entity_data_2,
    entityData3: chat.entity_data_3,
    entityLink: { type: chat.entity_type, url: '', id: chat.entity_id },
    diskFolderId: null,
    permissions: permissionsV2(chat),
    parentChatId: 0,
    parentMessageId: 0,
    isNew: false,
    textFieldEnabled: !!chat.text_field_enabled,
    backgroundId: null,
  };
  if (where === 'event') return base;
  const me = members.find((m) => m.user_id === viewerId);
  const lastRead = me?.last_read_message_id ?? 0;
  const unread = me ? await unreadSummary(db, chat.id, viewerId, lastRead) : { count: 0, firstId: 0 };
  return {
    ...base,
    role: me ? me.role : chat.type === 'O' ? 'guest' : 'none',
    muteList: members.filter((m) => m.muted).map((m) => m.user_id),
    canHaveThreads: false,
    hasManageCapability: me?.role === 'owner' || me?.role === 'manager',
    dateCreate: isoDate(chat.created_at),
    lastMessageId: chat.last_message_id,
    lastId: lastRead,
    managerList: members.filter((m) => m.role === 'owner' || m.role === 'manager').map((m) => m.user_id),
    messageCount: chat.message_count,
    userCounter: members.length,
    unreadId: unread.firstId,
    lastMessageViews: { messageId: chat.last_message_id, firstViewers: [], countOfViewers: 0 },
    markedId: 0,
    public: '',
    guestCount: 0,
  };
}

/** Keys the v2 output filter never shows in `params` (Message). */
const HIDDEN_PARAMS = ['SENDING', 'SENDING_TS', 'COPILOT_PROMPT_CODE', 'COPILOT_ROLE', 'COPILOT_REASONING', 'AI_ASSISTANT_MCP_AUTH_ID', 'AI_TASK_TRIGGER_MESSAGE_ID'];

/** What decides `viewedByOthers`, `unread` and `viewed` of a chat's messages for one viewer. */
export interface MessageReadState {
  viewerId: number;
  /** the viewer's read cursor */
  lastReadId: number;
  /** highest read cursor among the other members; used when `cursors` is absent */
  othersReadUpTo?: number;
  /** every member's read cursor: a message is viewed by others once a member who did not write it has read it */
  cursors?: { userId: number; lastReadId: number }[];
}

/** The read cursors of a chat as `viewerId` sees them (see MessageReadState). */
export async function chatReadState(db: Db, chatId: number, viewerId: number): Promise<MessageReadState> {
  const rows = await listReadMarks(db, chatId);
  const cursors = rows.map((r) => ({ userId: r.user_id, lastReadId: r.last_read_message_id }));
  return { viewerId, lastReadId: cursors.find((c) => c.userId === viewerId)?.lastReadId ?? 0, cursors };
}

function viewedByOthers(m: MessageRow, read: MessageReadState): boolean {
  if (read.cursors) return read.cursors.some((c) => c.userId !== m.author_id && c.lastReadId >= m.id);
  return (read.othersReadUpTo ?? 0) >= m.id;
}

/** `forward` of Message: the original of a forwarded message, else null. */
function forwardV2(m: MessageRow): Record<string, unknown> | null {
  if (m.forward_id === null || m.forward_id === undefined) return null;
  return { id: m.forward_id, userId: m.forward_user_id ?? 0, chatId: m.forward_chat_id ?? 0, date: m.forward_date ? isoDate(m.forward_date) : null };
}

/**
 * Message. `read` decides `viewedByOthers`, and in responses `unread`/`viewed`: a message is unread
 * for a viewer who did not write it and whose read cursor is below it.
 */
export function messageV2(m: MessageRow, where: Where = 'response', read?: MessageReadState): Record<string, unknown> {
  const params = parseParams(m);
  for (const key of HIDDEN_PARAMS) delete params[key];
  const out: Record<string, unknown> = {
    id: m.id,
    chatId: m.chat_id,
    authorId: m.author_id,
    date: isoDate(m.created_at),
    text: m.text,
    isSystem: m.system === 'Y',
    uuid: m.uuid ?? '',
    forward: forwardV2(m),
    params,
    viewedByOthers: read ? viewedByOthers(m, read) : false,
  };
  if (where === 'event' || !read) return out;
  const mine = m.author_id === read.viewerId;
  return { ...out, unread: !mine && read.lastReadId < m.id, viewed: mine || read.lastReadId >= m.id };
}
