import { reportChange } from '../changes.js';
import { cachedRead, type DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import * as chats from '../store/repos/chats.js';
import { findChat as getChat, findPrivateChatId as privateChatId, listMemberIds as memberIds, memberExists as isMember, type ChatRow } from '../store/repos/chats.js';
import { lastMessageIdByAuthor } from '../store/repos/messages.js';
import { activeUsersAmong, userExists } from '../store/repos/users.js';
import type { DialogRef } from './dialogs.js';
import type { UserRow } from './users.js';

export type { ChatRow };
export { getChat, isMember, memberIds, privateChatId };
export { deleteChats } from '../store/repos/chats.js';

/** The private chat of two users (either order) through the read cache; null when they never wrote. */
export function cachedPrivateChatId(ctx: DomainCtx, a: number, b: number): Promise<number | null> {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return cachedRead(ctx, `private:${lo}:${hi}`, ['private_dialogs'], () => privateChatId(ctx.db, a, b));
}

/** The private chat between two users, created on first contact. */
export async function openPrivateChat(ctx: DomainCtx, a: number, b: number): Promise<{ chatId: number; created: boolean }> {
  const existing = await cachedPrivateChatId(ctx, a, b);
  if (existing !== null) return { chatId: existing, created: false };
  const now = ctx.clock.now();
  const chatId = await chats.insertChat(ctx.db, { type: 'P', author_id: a, owner_id: 0, created_at: now });
  // The pair is the primary key: of two first contacts at once, one makes the chat; the other's
  // insert does nothing (after the first commits), its empty chat goes, and it uses the first's.
  if (!(await chats.pairPrivateChat(ctx.db, a, b, chatId))) {
    await chats.deleteChat(ctx.db, chatId);
    return { chatId: (await privateChatId(ctx.db, a, b))!, created: false };
  }
  const members = a === b ? [a] : [a, b];
  await chats.insertMembers(ctx.db, members.map((u) => ({ chat_id: chatId, user_id: u, role: 'member', joined_at: now })));
  await ctx.events.publish(ctx, { kind: 'private-chat-opened', chatId, from: a, to: b });
  reportChange(ctx, { chatId, kind: 'chat' });
  return { chatId, created: true };
}

export interface NewGroupChat {
  /** closed (C), open (O), or an open-line dialog (L, made by src/openlines/) */
  type: 'C' | 'O' | 'L';
  title: string;
  description?: string;
  color?: string;
  authorId: number;
  users: number[];
  entityType?: string;
  entityId?: string;
  /**
   * v2 `fields.ownerId` (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-add.md): the owner when it is not the author. Not checked: an
   * owner who is not (or cannot be) a member leaves the chat without an owning member.
   */
  ownerId?: number;
}

const COLORS = ['RED', 'GREEN', 'MINT', 'LIGHT_BLUE', 'DARK_BLUE', 'PURPLE', 'AQUA', 'PINK', 'LIME', 'BROWN', 'AZURE', 'KHAKI', 'SAND', 'MARENGO', 'GRAY', 'GRAPHITE'];
export const CHAT_COLORS: readonly string[] = COLORS;

/** Creates a group chat; the author is always a member and, unless `ownerId` says otherwise, its owner. */
export async function createGroupChat(ctx: DomainCtx, c: NewGroupChat): Promise<number> {
  const now = ctx.clock.now();
  // On a portal the owner is the chat's AUTHOR_ID; both columns follow it.
  const owner = c.ownerId ?? c.authorId;
  const color = c.color && COLORS.includes(c.color) ? c.color : COLORS[now % COLORS.length];
  const chatId = await chats.insertChat(ctx.db, {
    type: c.type,
    title: c.title,
    description: c.description ?? '',
    color,
    author_id: owner,
    owner_id: owner,
    entity_type: c.entityType ?? '',
    entity_id: c.entityId ?? '',
    created_at: now,
  });
  if (!c.title) await chats.updateChat(ctx.db, chatId, { title: `Chat #${chatId}` });
  const users = [...new Set([c.authorId, ...c.users])];
  await chats.insertMembers(ctx.db, users.map((u) => ({ chat_id: chatId, user_id: u, role: u === owner ? 'owner' : 'member', joined_at: now })));
  reportChange(ctx, { chatId, kind: 'chat' });
  return chatId;
}

/** Sort keys of v2 Chat.User.list (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-user-list.md). */
export type MemberOrder = 'id' | 'lastSendMessageId' | 'userId';

/**
 * The active members of a chat as user rows (v2 Chat.User.list), sorted and cut to `limit`.
 * `id` is the membership's own id on a portal; memberships here have none, so joining order
 * (joined_at, then user id) stands in for it. `lastSendMessageId` is the member's last message in
 * the chat (0 when none).
 */
export async function activeMemberRows(db: Db, chatId: number, order: MemberOrder, desc: boolean, limit: number): Promise<UserRow[]> {
  const rows = await chats.listActiveMemberUsers(db, chatId);
  const lastSent = order === 'lastSendMessageId' ? await lastMessageIdByAuthor(db, chatId) : new Map<number, number>();
  const key = (r: (typeof rows)[number]): number[] =>
    order === 'userId' ? [r.id] : order === 'lastSendMessageId' ? [lastSent.get(r.id) ?? 0, r.id] : [r.joined_at, r.id];
  const sign = desc ? -1 : 1;
  rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return sign * (ka[i]! - kb[i]!);
    return 0;
  });
  return rows.slice(0, limit).map(({ joined_at: _joined, ...user }) => user);
}

// ---------------------------------------------------------------------------------------------
// Group-chat management (api-reference/chat-bots/outdated/chats/; the people's side shares every rule: on a portal the
// im.chat.* and imbot.chat.* methods are the same handlers, acting as the caller or as the bot).

/** Roles in a chat, weakest first; `guest` sees an open chat without being a member. */
export type ChatRole = 'guest' | 'member' | 'manager' | 'owner';
const ROLE_RANK: Record<ChatRole, number> = { guest: 0, member: 1, manager: 2, owner: 3 };

/** Chat-wide minimum roles (a portal's defaults for group chats; `can_post` is stored per chat). */
export function chatPermissions(chat: ChatRow): Record<string, string> {
  return {
    manage_users_add: 'member',
    manage_users_delete: 'manager',
    manage_ui: 'member',
    manage_settings: 'owner',
    manage_messages: 'member',
    can_post: (chat.can_post || 'MEMBER').toLowerCase(),
  };
}

export type ChatPermission = 'manage_users_add' | 'manage_users_delete' | 'manage_ui' | 'manage_settings' | 'can_post';

export function roleAllows(chat: ChatRow, role: ChatRole | null, permission: ChatPermission): boolean {
  const needed = chatPermissions(chat)[permission] as ChatRole;
  return role !== null && role !== 'guest' && ROLE_RANK[role] >= ROLE_RANK[needed];
}

export interface ChatRestrictions {
  avatar: boolean;
  rename: boolean;
  extend: boolean;
  call: boolean;
  mute: boolean;
  leave: boolean;
  leave_owner: boolean;
  send: boolean;
  user_list: boolean;
}

const NO_RESTRICTIONS: ChatRestrictions = { avatar: true, rename: true, extend: true, call: true, mute: true, leave: true, leave_owner: true, send: true, user_list: true };
const SUPPORT_CHAT = { avatar: false, extend: false, call: false, mute: false, leave: false, leave_owner: false, user_list: false };

/**
 * What a chat bound to an entity type forbids (CIMChat::GetChatOptions). Only the bindings that a
 * REST caller can create here are listed; every other chat allows everything. There is no
 * "general chat" on this portal, so its row is absent.
 */
const ENTITY_RESTRICTIONS: Record<string, Partial<ChatRestrictions>> = {
  SONET_GROUP: { avatar: false, rename: false, extend: false, leave: false, leave_owner: false },
  CRM: { avatar: false, rename: false, leave_owner: false },
  CALL: { extend: false, call: false, mute: false, leave: false, leave_owner: false },
  SUPPORT24_QUESTION: SUPPORT_CHAT,
  NETWORK_DIALOG: SUPPORT_CHAT,
};

export function chatRestrictions(chat: Pick<ChatRow, 'entity_type'>): ChatRestrictions {
  return { ...NO_RESTRICTIONS, ...(ENTITY_RESTRICTIONS[chat.entity_type] ?? {}) };
}

/** Group chats are the ones these methods manage: closed (C), open (O) and open-line dialogs (L). */
export function isGroupChat(chat: ChatRow | undefined): chat is ChatRow {
  return !!chat && (chat.type === 'C' || chat.type === 'O' || chat.type === 'L');
}

export async function memberRole(db: Db, chatId: number, userId: number): Promise<ChatRole | null> {
  const role = await chats.findMemberRole(db, chatId, userId);
  return role === undefined ? null : (role as ChatRole);
}

/** Can `userId` see this chat at all: a member, or anyone for an open chat. */
export async function canSeeChat(db: Db, chat: ChatRow, userId: number): Promise<boolean> {
  return chat.type === 'O' || (await isMember(db, chat.id, userId));
}

/**
 * A bot that became a member of a group chat: the input of `ONIMBOTJOINCHAT` (api-reference/chat-bots/outdated/chats/events/on-imbot-join-chat.md).
 * `userId` is who added it (the creator for a new chat, the bot itself when it creates the chat).
 */
export interface BotJoin {
  chatId: number;
  botId: number;
  userId: number;
  /** ACCESS_HISTORY: the bot may read what was said before it joined */
  accessHistory: boolean;
}

export interface MembersAdded {
  chatId: number;
  /** users that became members by this call, in id order */
  added: number[];
  /** the bots among them */
  botJoins: BotJoin[];
}

/** Existing, active users among `ids`, in id order (unknown and deactivated ids dropped). */
async function activeUsers(db: Db, ids: number[]): Promise<{ id: number; bot: boolean }[]> {
  return activeUsersAmong(db, [...new Set(ids.filter((id) => Number.isInteger(id) && id > 0))]);
}

async function insertMembers(ctx: DomainCtx, chatId: number, users: { id: number; role: ChatRole }[]): Promise<void> {
  const now = ctx.clock.now();
  await chats.insertMembers(ctx.db, users.map((u) => ({ chat_id: chatId, user_id: u.id, role: u.role, joined_at: now })));
}

export interface NewChat extends Omit<NewGroupChat, 'title'> {
  title?: string;
  /** a `data:` URL from checkAvatar */
  avatar?: string;
}

/**
 * Creates a group chat: the author is its owner, unknown or inactive users are dropped. Reports
 * every member added, the author included, and the bots among them (a creating bot included:
 * api-reference/chat-bots/outdated/chats/imbot-chat-add.md).
 */
export async function createChat(ctx: DomainCtx, c: NewChat): Promise<MembersAdded> {
  const wanted = c.ownerId !== undefined ? [...c.users, c.ownerId] : c.users;
  const users = (await activeUsers(ctx.db, wanted)).filter((u) => u.id !== c.authorId);
  const chatId = await createGroupChat(ctx, { ...c, title: c.title ?? '', users: users.map((u) => u.id) });
  if (c.avatar) await chats.updateChat(ctx.db, chatId, { avatar: c.avatar });
  const author = await activeUsers(ctx.db, [c.authorId]);
  const all = [...author, ...users].sort((a, b) => a.id - b.id);
  return {
    chatId,
    added: all.map((u) => u.id),
    botJoins: all.filter((u) => u.bot).map((u) => ({ chatId, botId: u.id, userId: c.authorId, accessHistory: true })),
  };
}

/** Why a chat operation was refused; the API layer turns it into its own error. */
export class ChatError extends Error {
  constructor(readonly reason: 'no_access' | 'owner_cannot_leave' | 'same_color') {
    super(reason);
  }
}

/**
 * `actorId` adds users to a group chat (CIMChat::AddUser): the actor must be a member allowed to
 * add people. Users already in the chat, unknown and inactive ones are skipped silently.
 * `hideHistory` null means "visible" (api-reference/chat-bots/outdated/chats/imbot-chat-user-add.md).
 */
export async function addChatUsers(ctx: DomainCtx, chatId: number, actorId: number, userIds: number[], hideHistory: boolean | null): Promise<MembersAdded> {
  const chat = await getChat(ctx.db, chatId);
  if (!isGroupChat(chat) || !roleAllows(chat, await memberRole(ctx.db, chatId, actorId), 'manage_users_add')) throw new ChatError('no_access');
  const present = new Set(await memberIds(ctx.db, chatId));
  const fresh = (await activeUsers(ctx.db, userIds)).filter((u) => !present.has(u.id));
  // An owner named before joining (v2 Chat.add ownerId / Chat.setOwner) takes the owner's role on joining.
  await insertMembers(ctx, chatId, fresh.map((u) => ({ id: u.id, role: u.id === chat.owner_id ? 'owner' : 'member' })));
  // ONIMV2JOINCHAT for the chat's subscribed people, whoever joined (a new chat's members do not "join")
  await ctx.events.publish(ctx, { kind: 'chat-joined', chatId, userIds: fresh.map((u) => u.id) });
  reportChange(ctx, { chatId, kind: 'chat' });
  return {
    chatId,
    added: fresh.map((u) => u.id),
    botJoins: fresh.filter((u) => u.bot).map((u) => ({ chatId, botId: u.id, userId: actorId, accessHistory: hideHistory !== true })),
  };
}

/** How removing a member is judged; the defaults are v1's (CIMChat::DeleteUser). */
export interface RemoveRules {
  /** v2 (`Kick`): whoever the chat's `manage_users_delete` role allows may remove others; v1: the owner only */
  byPermission?: boolean;
  /** v2: removing someone who is not a member succeeds and changes nothing; v1 refuses */
  missingOk?: boolean;
}

/**
 * `actorId` removes `userId` from a group chat (CIMChat::DeleteUser). Leaving is open to every
 * member but the owner, who must hand the chat over first; removing someone else is the owner's
 * right (v2: `manage_users_delete`), the owner cannot be removed, and only the owner removes a
 * manager.
 */
export async function removeChatUser(ctx: DomainCtx, chatId: number, actorId: number, userId: number, rules: RemoveRules = {}): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  const actorRole = isGroupChat(chat) ? await memberRole(ctx.db, chatId, actorId) : null;
  if (!chat || actorRole === null) throw new ChatError('no_access');
  if (userId === actorId) {
    if (actorRole === 'owner') throw new ChatError('owner_cannot_leave');
  } else {
    const mayKick = roleAllows(chat, actorRole, 'manage_users_delete') && (rules.byPermission || actorRole === 'owner');
    if (!mayKick) throw new ChatError('no_access');
    const targetRole = await memberRole(ctx.db, chatId, userId);
    if (targetRole === null && rules.missingOk) return;
    if (targetRole === null || targetRole === 'owner' || (targetRole === 'manager' && actorRole !== 'owner')) throw new ChatError('no_access');
  }
  await chats.deleteMember(ctx.db, chatId, userId);
  reportChange(ctx, { chatId, kind: 'chat', alsoUsers: [userId] });
}

/**
 * v2's rules for owners and managers (api-reference/chat-bots/chat-bots-v2/imbot.v2/chats/chat-manager-add.md, chat-set-owner.md): the actor needs the chat's
 * `manage_settings` role (the owner, or managers when the chat allows them). v1: the owner only.
 */
async function mayManageSettings(db: Db, chat: ChatRow, actorId: number): Promise<boolean> {
  return roleAllows(chat, await memberRole(db, chat.id, actorId), 'manage_settings');
}

/**
 * Hands a group chat to another member (CIMChat::SetOwner); only the owner may. With `v2`
 * (Chat.setOwner): whoever `manage_settings` allows may, `userId` is not checked (a
 * non-member becomes owner on joining), and the previous owner stays a manager.
 */
export async function setChatOwner(ctx: DomainCtx, chatId: number, actorId: number, userId: number, v2 = false): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  const allowed = isGroupChat(chat) && (v2 ? await mayManageSettings(ctx.db, chat, actorId) : chat.owner_id === actorId);
  if (!allowed) throw new ChatError('no_access');
  if (userId === chat.owner_id) return;
  if (!v2 && (await memberRole(ctx.db, chatId, userId)) === null) throw new ChatError('no_access');
  // On a portal the owner is the chat's AUTHOR_ID; both columns follow it.
  await chats.updateChat(ctx.db, chatId, { owner_id: userId, author_id: userId });
  await chats.setMemberRole(ctx.db, chatId, [chat.owner_id], v2 ? 'manager' : 'member');
  await chats.setMemberRole(ctx.db, chatId, [userId], 'owner');
  reportChange(ctx, { chatId, kind: 'chat' });
}

/**
 * v2 Chat.Manager.add/delete: grants or revokes manager rights for several users at once as
 * `manage_settings` allows. Non-members, the owner and (revoking) non-managers are skipped.
 */
export async function setChatManagers(ctx: DomainCtx, chatId: number, actorId: number, userIds: number[], isManager: boolean): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  if (!isGroupChat(chat) || !(await mayManageSettings(ctx.db, chat, actorId))) throw new ChatError('no_access');
  await chats.setMemberRole(ctx.db, chatId, userIds, isManager ? 'manager' : 'member', isManager ? 'member' : 'manager');
}

/** Grants or revokes manager rights (CIMChat::SetManager); only the owner may, only for members. */
export async function setChatManager(ctx: DomainCtx, chatId: number, actorId: number, userId: number, isManager: boolean): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  if (!isGroupChat(chat) || chat.owner_id !== actorId) throw new ChatError('no_access');
  const role = await memberRole(ctx.db, chatId, userId);
  if (role === null) throw new ChatError('no_access');
  if (role === 'owner') return;
  await chats.setMemberRole(ctx.db, chatId, [userId], isManager ? 'manager' : 'member');
}

/** Chat settings a member with `manage_ui` may change. */
export interface ChatLook {
  title?: string;
  /** v2 Chat.update only */
  description?: string;
  color?: string;
  avatar?: string;
}

/**
 * Changes a group chat's title, colour or avatar as `actorId` (CIMChat::Rename/SetColor,
 * CIMDisk::UpdateAvatarId). Setting the colour it already has is refused, as on a portal.
 */
export async function updateChatLook(ctx: DomainCtx, chatId: number, actorId: number, look: ChatLook): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  if (!isGroupChat(chat) || !roleAllows(chat, await memberRole(ctx.db, chatId, actorId), 'manage_ui')) throw new ChatError('no_access');
  if (look.color !== undefined && look.color === chat.color) throw new ChatError('same_color');
  await chats.updateChat(ctx.db, chatId, look);
  reportChange(ctx, { chatId, kind: 'chat' });
}

/**
 * Shows or hides the message input of a group chat for its members (bots' "text field").
 * `privateToo`: v2's TextField.enabled also works in the bot's 1:1 chats (api-reference/chat-bots/chat-bots-v2/imbot.v2/ui/chat-text-field-enabled.md).
 */
export async function setTextFieldEnabled(ctx: DomainCtx, chatId: number, actorId: number, enabled: boolean, privateToo = false): Promise<void> {
  const chat = await getChat(ctx.db, chatId);
  const kindOk = (privateToo && chat?.type === 'P') || isGroupChat(chat);
  if (!kindOk || !(await isMember(ctx.db, chatId, actorId))) throw new ChatError('no_access');
  await chats.updateChat(ctx.db, chatId, { text_field_enabled: enabled ? 1 : 0 });
  reportChange(ctx, { chatId, kind: 'chat' });
}

/** The first chat bound to exactly this entity (imbot.chat.get / im.chat.get); no access check. */
export const chatByEntity = chats.findChatIdByEntity;

/**
 * Which chat a dialog id names for `viewerId`, if the viewer may open it (Bitrix\Im\Dialog
 * hasAccess + getChatId): `access` false → "no access to the dialog"; chatId null → the dialog
 * exists but has no chat yet (a private dialog never written in) or cannot be loaded.
 */
export async function resolveDialog(db: Db, ref: DialogRef, viewerId: number): Promise<{ access: boolean; chatId: number | null }> {
  if (ref.kind === 'user') {
    if (!(await userExists(db, ref.userId))) return { access: false, chatId: null };
    return { access: true, chatId: await privateChatId(db, viewerId, ref.userId) };
  }
  if (ref.kind !== 'chat') return { access: false, chatId: null }; // no workgroup or CRM chats here
  const chat = await getChat(db, ref.chatId);
  if (!chat || !(await canSeeChat(db, chat, viewerId))) return { access: false, chatId: null };
  return { access: true, chatId: chat.id };
}
