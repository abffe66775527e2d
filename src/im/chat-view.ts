import { isoDate } from '../clock.js';
import type { Db } from '../store/db.js';
import { listMembersWithNames } from '../store/repos/chats.js';
import { chatPermissions, chatRestrictions, type ChatRow } from './chats.js';
import { unreadSummary } from './messages.js';
import { fullName } from './users.js';
import { colorHex } from './colors.js';


/** `type` of a chat as the messenger names it: by entity binding first, then by chat type. */
const ENTITY_KIND: Record<string, string> = { CRM: 'crm', CALL: 'call', SONET_GROUP: 'sonetGroup', TASKS: 'tasks', CALENDAR: 'calendar', VIDEOCONF: 'videoconf' };
const TYPE_KIND: Record<string, string> = { C: 'chat', O: 'open', P: 'private', L: 'lines', S: 'system' };

/** The textual chat type (`chat`, `open`, `private`, `lines`, `crm`, …) both APIs show. */
export function chatKind(chat: Pick<ChatRow, 'type' | 'entity_type'>): string {
  return ENTITY_KIND[chat.entity_type] ?? TYPE_KIND[chat.type] ?? 'chat';
}

/**
 * A chat as `imbot.dialog.get`, `im.dialog.get` and `im.chat.get`/`imbot.chat.get` with
 * DIALOG_ID show it (chat-bots/outdated/chats/fields.md, chats/im-dialog-get.md), seen by
 * `viewerId`. The caller appends `dialog_id`.
 */
export async function formatChat(db: Db, chat: ChatRow, viewerId: number): Promise<Record<string, unknown>> {
  const members = await listMembersWithNames(db, chat.id);
  const me = members.find((m) => m.user_id === viewerId);
  const lastRead = me?.last_read_message_id ?? 0;
  const unread = me ? await unreadSummary(db, chat.id, viewerId, lastRead) : { count: 0, firstId: 0 };
  const entityLink = { type: chat.entity_type, url: '', id: chat.entity_id };
  return {
    id: chat.id,
    parent_chat_id: 0,
    parent_message_id: 0,
    name: chat.title,
    description: chat.description,
    owner: chat.owner_id,
    extranet: !!chat.extranet,
    avatar: chat.avatar,
    color: colorHex(chat.color) ?? '',
    type: chatKind(chat),
    counter: unread.count,
    user_counter: members.length,
    message_count: chat.message_count,
    unread_id: unread.firstId,
    restrictions: { ...chatRestrictions(chat), path: '', path_title: '' },
    last_message_id: chat.last_message_id,
    last_id: lastRead,
    marked_id: 0,
    disk_folder_id: 0,
    entity_type: chat.entity_type,
    entity_id: chat.entity_id,
    entity_data_1: chat.entity_data_1,
    entity_data_2: chat.entity_data_2,
    entity_data_3: chat.entity_data_3,
    mute_list: members.filter((m) => m.muted).map((m) => m.user_id),
    date_create: isoDate(chat.created_at),
    message_type: chat.type,
    public: '',
    role: me ? me.role : 'guest',
    entity_link: entityLink,
    text_field_enabled: !!chat.text_field_enabled,
    background_id: null,
    permissions: chatPermissions(chat),
    is_new: false,
    readed_list: members
      .filter((m) => m.user_id !== viewerId)
      .map((m) => ({ user_id: m.user_id, user_name: fullName(m), message_id: m.last_read_message_id, date: null })),
    manager_list: members.filter((m) => m.role === 'owner' || m.role === 'manager').map((m) => m.user_id),
    last_message_views: { message_id: chat.last_message_id, first_viewers: [], count_of_viewers: 0 },
  };
}
