/**
 * The people's overview methods: im.recent.get, im.recent.list, im.counters.get, im.user.get,
 * im.user.list.get and user.get (chats API reference; settings/how-to-call-rest-api/list-methods-pecularities.md).
 */
import { CHAT_COLOR_HEX, colorHex } from '../../im/colors.js';
import { isoDate } from '../../clock.js';
import { parseParams } from '../../im/messages.js';
import { unreadCount } from '../../im/notifications.js';
import { recentEntries, type RecentEntry } from '../../im/recent.js';
import { dialogMarks, isHidden, type RecentFlagsRow } from '../../im/dialog-marks.js';
import {
  filterUsers,
  formatImUser,
  formatUserCurrent,
  fullName,
  getUser,
  getUsers,
  listPeople,
  parseUserFilter,
  sortUsers,
  type UserCondition,
  type UserRow,
} from '../../im/users.js';
import { presenceOf } from '../../im/user-status.js';
import { fieldValuesOf } from '../../im/user-fields.js';
import { departmentMap } from '../../im/departments.js';
import { RestError } from '../../rest/errors.js';
import { assocOrEmpty, idval, inIdRange, intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';

const PeopleErrors = {
  idEmpty: () => new RestError('ID_EMPTY', "User ID can't be empty"),
  userNotExists: () => new RestError('USER_NOT_EXISTS', 'User is not exists'),
  invalidIdFormat: () => new RestError('INVALID_FORMAT', 'A wrong format for the ID field is passed'),
} as const;

const ROLE_NAMES: Record<string, string> = { owner: 'OWNER', manager: 'MANAGER', member: 'MEMBER' };

/** The recent list shows a message's text without BB codes and line breaks. */
function plainText(text: string): string {
  return text.replace(/\[\/?[a-z]+(?:=[^\]]*)?\]/gi, '').replace(/\s*\n\s*/g, ' ').trim();
}

function recentMessage(e: RecentEntry): Record<string, unknown> {
  const m = e.lastMessage;
  return {
    id: m?.id ?? 0,
    text: m ? plainText(m.text) : '',
    file: false,
    author_id: m?.author_id ?? 0,
    attach: m ? Array.isArray(parseParams(m).ATTACH) : false,
    sticker: null,
    date: isoDate(e.activity),
    status: 'received',
    uuid: m?.uuid ?? null,
  };
}

function groupChatCard(e: RecentEntry): Record<string, unknown> {
  const c = e.chat;
  return {
    id: c.id,
    parent_chat_id: 0,
    parent_message_id: 0,
    name: c.title,
    owner: c.owner_id,
    extranet: !!c.extranet,
    contains_collaber: false,
    avatar: '',
    color: colorHex(c.color) ?? CHAT_COLOR_HEX.GRAY,
    type: c.type === 'O' ? 'open' : 'chat',
    entity_type: c.entity_type,
    entity_id: c.entity_id,
    entity_data_1: c.entity_data_1,
    entity_data_2: c.entity_data_2,
    entity_data_3: c.entity_data_3,
    mute_list: [],
    manager_list: e.managers,
    date_create: isoDate(c.created_at),
    message_type: c.type,
    user_counter: e.memberCount,
    restrictions: { avatar: true, rename: true, extend: true, call: true, mute: true, leave: true, leave_owner: true, send: true, user_list: true },
    role: ROLE_NAMES[e.role] ?? 'MEMBER',
    text_field_enabled: c.text_field_enabled !== 0,
    background_id: null,
    entity_link: { type: '', url: '', id: '' },
    permissions: { manage_users_add: 'member', manage_users_delete: 'manager', manage_ui: 'member', manage_settings: 'owner', manage_messages: 'member', can_post: 'member' },
    public: '',
  };
}

/** One recent item; `compactPrivateChat` adds the small `chat` object im.recent.list shows for dialogs. */
function recentItem(e: RecentEntry, partner: UserRow | undefined, compactPrivateChat: boolean, marks?: RecentFlagsRow): Record<string, unknown> {
  const isUser = e.chat.type === 'P';
  const userCard = partner ? formatImUser(partner) : { id: e.partnerId ?? 0 };
  const item: Record<string, unknown> = {
    id: isUser ? e.partnerId : `chat${e.chat.id}`,
    chat_id: e.chat.id,
    type: isUser ? 'user' : 'chat',
    avatar: { url: '', color: isUser ? (userCard as Record<string, unknown>).color ?? '' : colorHex(e.chat.color) ?? CHAT_COLOR_HEX.GRAY },
    title: isUser ? (partner ? fullName(partner) : '') : e.chat.title,
    message: recentMessage(e),
    counter: e.counter,
    last_id: e.lastReadId,
    pinned: marks?.pinned === 1,
    unread: marks?.unread === 1,
    has_reminder: false,
    date_update: isoDate(e.activity),
    date_last_activity: isoDate(e.activity),
  };
  if (isUser) {
    item.user = userCard;
    if (compactPrivateChat) item.chat = { text_field_enabled: e.chat.text_field_enabled !== 0, background_id: null, mute_list: [] };
  } else {
    item.chat = groupChatCard(e);
    item.user = { id: 0 };
  }
  item.options = [];
  return item;
}

interface RecentFilter {
  skipChat: boolean;
  skipDialog: boolean;
  unreadOnly?: boolean;
  /** only entries active strictly before (list paging) / after (sync) this time */
  before?: number;
  after?: number;
}

async function recentItems(call: MethodCall, f: RecentFilter, compact: boolean): Promise<Record<string, unknown>[]> {
  const me = call.caller.userId;
  const marks = await dialogMarks(call.ctx.db, me);
  const entries = (await recentEntries(call.ctx.db, me)).filter((e) => {
    const isUser = e.chat.type === 'P';
    if (isHidden(marks.get(e.chat.id), e.chat.last_message_id)) return false;
    if ((isUser && f.skipDialog) || (!isUser && f.skipChat)) return false;
    if (f.unreadOnly && e.counter === 0 && marks.get(e.chat.id)?.unread !== 1) return false;
    if (f.before !== undefined && e.activity >= f.before) return false;
    return f.after === undefined || e.activity >= f.after;
  });
  const partners = new Map((await getUsers(call.ctx.db, entries.flatMap((e) => (e.partnerId ? [e.partnerId] : [])))).map((u) => [u.id, u]));
  // Pinned entries first, the latest pin on top; the rest by activity (recentEntries' order).
  const pinSort = (e: RecentEntry) => (marks.get(e.chat.id)?.pinned === 1 ? Number(marks.get(e.chat.id)!.pin_sort) : -1);
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => pinSort(b.e) - pinSort(a.e) || a.i - b.i).map((x) => x.e);
  return ordered.map((e) => recentItem(e, e.partnerId ? partners.get(e.partnerId) : undefined, compact, marks.get(e.chat.id)));
}

/** An ATOM date parameter in ms; undefined when absent or unparsable (the portal ignores those). */
function dateParam(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** im.recent.get: every recent dialog and chat, newest activity first. */
async function recentGet(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  if (P.ONLY_OPENLINES === 'Y') return []; // no open lines on this portal
  return recentItems(call, {
    skipChat: P.SKIP_CHAT === 'Y',
    skipDialog: P.SKIP_DIALOG === 'Y',
    after: dateParam(P.LAST_SYNC_DATE ?? P.LAST_UPDATE),
  }, false);
}

/** im.recent.list: paged by OFFSET (or `start`)/LIMIT (default 50, max 200); `total` is always -1. */
async function recentList(call: MethodCall): Promise<Paged> {
  const P = upperKeys(call.params);
  const offset = call.start > 0 ? call.start : Math.max(intval(P.OFFSET), 0);
  const rawLimit = intval(P.LIMIT);
  const limit = P.LIMIT === undefined ? 50 : Math.min(Math.max(rawLimit, 1), 200);
  const all = await recentItems(call, {
    skipChat: P.SKIP_CHAT === 'Y',
    skipDialog: P.SKIP_DIALOG === 'Y',
    unreadOnly: P.UNREAD_ONLY === 'Y',
    before: dateParam(P.LAST_MESSAGE_DATE ?? P.DATE_LAST_ACTIVITY),
  }, true);
  const items = all.slice(offset, offset + limit);
  const hasMore = offset + items.length < all.length;
  const result = {
    items,
    hasMorePages: hasMore,
    hasMore,
    copilot: { chats: null, messages: null, roles: [], recommendedRoles: [] },
    messagesAutoDeleteConfigs: [],
  };
  return new Paged(result, -1, hasMore ? offset + items.length : null);
}

/** im.counters.get: unread messages per group chat (muted apart) and per private dialog; unread notifications. */
async function countersGet(call: MethodCall): Promise<unknown> {
  const all = await recentEntries(call.ctx.db, call.caller.userId);
  const marks = await dialogMarks(call.ctx.db, call.caller.userId);
  const marked = all.filter((e) => marks.get(e.chat.id)?.unread === 1);
  const entries = all.filter((e) => e.counter > 0);
  const dialogs = entries.filter((e) => e.chat.type === 'P');
  const chats = entries.filter((e) => e.chat.type !== 'P' && !e.muted);
  const muted = entries.filter((e) => e.chat.type !== 'P' && e.muted);
  const sum = (list: RecentEntry[]) => list.reduce((n, e) => n + e.counter, 0);
  const chat = sum(chats);
  const dialog = sum(dialogs);
  const notify = await unreadCount(call.ctx, call.caller.userId);
  return {
    TYPE: { ALL: chat + dialog + notify, NOTIFY: notify, CHAT: chat, LINES: 0, DIALOG: dialog, MESSENGER: chat + dialog },
    CHAT: assocOrEmpty(chats.map((e) => [e.chat.id, e.counter])),
    CHAT_MUTED: assocOrEmpty(muted.map((e) => [e.chat.id, e.counter])),
    CHAT_UNREAD: marked.filter((e) => e.chat.type !== 'P').map((e) => e.chat.id),
    LINES: [],
    DIALOG: assocOrEmpty(dialogs.map((e) => [e.partnerId ?? 0, e.counter])),
    DIALOG_UNREAD: marked.filter((e) => e.chat.type === 'P').map((e) => e.partnerId ?? 0),
  };
}

/** im.user.get: the caller, or the user with ID. */
async function imUserGet(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  let id = call.caller.userId;
  if (P.ID !== undefined && P.ID !== null) {
    id = idval(P.ID);
    if (id <= 0) throw PeopleErrors.idEmpty();
  }
  const user = await getUser(call.ctx.db, id);
  if (!user) throw PeopleErrors.userNotExists();
  return formatImUser(user, (await presenceOf(call.ctx.db, [id])).get(id));
}

/** ID as an array, or a JSON string of one; positive ids, de-duplicated, in the given order. */
function readIdList(raw: unknown): number[] {
  let list = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      list = null;
    }
  }
  const values = Array.isArray(list) ? list : list !== null && typeof list === 'object' ? Object.values(list) : [];
  return [...new Set(values.map(intval).filter((id) => id > 0))];
}

/** im.user.list.get: `{id: user|null}` (PHP order), or a plain list with RESULT_TYPE=array. */
async function imUserListGet(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const ids = readIdList(P.ID);
  if (ids.length === 0) throw PeopleErrors.invalidIdFormat();
  // the answer echoes each id as PHP read it (64-bit); one past the id columns names nobody
  const stored = ids.filter(inIdRange);
  const presence = await presenceOf(call.ctx.db, stored);
  const found = new Map((await getUsers(call.ctx.db, stored)).map((u) => [u.id, formatImUser(u, presence.get(u.id))]));
  const cards = ids.map((id) => found.get(id) ?? null);
  if (typeof P.RESULT_TYPE === 'string' && P.RESULT_TYPE.toLowerCase() === 'array') return cards;
  return assocOrEmpty(ids.map((id, i) => [id, cards[i]]));
}

const RESERVED = ['SORT', 'ORDER', 'FILTER', 'ADMIN_MODE', 'SELECT', 'IMAGE_RESIZE'];

/** The filter of user.get and user.search: FILTER alone when present (the portal's "backward compatibility" quirk), else the top-level params. */
function rawUserFilter(call: MethodCall): Record<string, unknown> {
  const P = upperKeys(call.params);
  return P.FILTER !== undefined
    ? { ...(isPhpArray(P.FILTER) ? P.FILTER as Record<string, unknown> : {}) }
    : Object.fromEntries(Object.entries(call.params).filter(([k]) => !RESERVED.includes(k.toUpperCase())));
}

/**
 * One page of people matching `conditions`: `sort`/`order`; 50 per page from `start`; never bots.
 * Nothing found: a bare `[]` without `total`.
 */
async function userPage(call: MethodCall, conditions: UserCondition[]): Promise<Paged> {
  const P = upperKeys(call.params);
  const sort = typeof P.SORT === 'string' && P.SORT !== '' ? P.SORT : 'ID';
  const desc = typeof P.ORDER === 'string' && P.ORDER.toUpperCase() === 'DESC';
  const users = sortUsers(filterUsers(await listPeople(call.ctx.db), conditions), sort, desc);
  if (users.length === 0) return new Paged([], null, null);
  // user.get is a legacy CDBResult list on a portal: `start` picks the page it falls in
  // (iNumPage = floor(start / 50) + 1), so 55 reads the same page as 50 (settings/how-to-call-rest-api/list-methods-pecularities.md; the portal's behaviour; the page is silent).
  const offset = Math.floor(Math.max(call.start, 0) / 50) * 50;
  const rows = users.slice(offset, offset + 50);
  const custom = await fieldValuesOf(call.ctx.db, rows.map((u) => u.id));
  const page = rows.map((u) => ({ ...formatUserCurrent(u), ...custom.get(u.id) }));
  return Paged.of(page, offset, call.start < 0 ? null : users.length);
}

/** user.get: every user.get filter (prefix operators, NAME_SEARCH, FIND). */
function userGet(call: MethodCall): Promise<Paged> {
  return userPage(call, parseUserFilter(rawUserFilter(call)));
}

/** The fields user.search matches from the start of the value ("right LIKE", api-reference/user/user-search.md). */
const SEARCH_PREFIX_FIELDS = ['NAME', 'LAST_NAME', 'WORK_POSITION'];

/**
 * user.search: user.get with search fields. `FIND` searches every name field by words and excludes
 * every other key; NAME, LAST_NAME and WORK_POSITION match case-insensitively from the start;
 * UF_DEPARTMENT_NAME finds the people of the departments whose name starts with it; the rest as user.get.
 */
async function userSearch(call: MethodCall): Promise<Paged> {
  const raw = rawUserFilter(call);
  const upper = upperKeys(raw);
  if (upper.FIND !== undefined && upper.FIND !== '') return userPage(call, [{ op: '', field: 'FIND', value: upper.FIND }]);
  const conditions: UserCondition[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = key.toUpperCase();
    if (SEARCH_PREFIX_FIELDS.includes(field)) conditions.push({ op: '=%', field, value: `${phpString(value)}%` });
    else if (field === 'UF_DEPARTMENT_NAME') {
      // people of the departments whose name starts with the value, any case
      const start = phpString(value).toLowerCase();
      const ids = [...(await departmentMap(call.ctx.db)).values()].filter((d) => d.name.toLowerCase().startsWith(start)).map((d) => d.id);
      conditions.push({ op: '=', field: 'UF_DEPARTMENT', value: ids });
    }
    else rest[key] = value;
  }
  return userPage(call, [...conditions, ...parseUserFilter(rest)]);
}

export const peopleMethods: MethodSpec[] = [
  { name: 'im.recent.get', scope: 'im', handler: recentGet },
  { name: 'im.recent.list', scope: 'im', handler: recentList },
  { name: 'im.counters.get', scope: 'im', handler: countersGet },
  { name: 'im.user.get', scope: 'im', handler: imUserGet },
  { name: 'im.user.list.get', scope: 'im', handler: imUserListGet },
  { name: 'user.get', scope: 'user', altScopes: ['user_brief', 'user_basic'], handler: userGet },
  { name: 'user.search', scope: 'user', altScopes: ['user_brief', 'user_basic'], handler: userSearch },
];
