/**
 * The notification methods (api-reference/chats/notifications/*): im.notify, im.notify.system.add,
 * im.notify.personal.add, im.notify.delete, im.notify.get, im.notify.read, im.notify.read.list,
 * im.notify.read.all, im.notify.answer, im.notify.confirm, im.notify.history.search,
 * im.notify.schema.get.
 */
import {
  NotifyType,
  addNotification,
  answerNotification,
  appTag,
  confirmNotification,
  deleteOwnNotification,
  deleteTagged,
  formatNotification,
  markListRead,
  markRead,
  notificationPage,
  searchNotifications,
  unreadCount,
  type NotificationRow,
} from '../../im/notifications.js';
import { htmlEscape } from '../../im/rich/common.js';
import { presenceOf } from '../../im/user-status.js';
import { formatImUser, getUser, getUsers } from '../../im/users.js';
import { RestError, accessDenied } from '../../rest/errors.js';
import { idval, intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { ImbotErrors } from '../imbot/errors.js';
import { ImErrors } from './errors.js';
import { attachValue } from './message-common.js';

const NotifyErrors = {
  paramsError: () => new RestError('PARAMS_ERROR', 'Incorrect params'),
  clientIdMissing: () => accessDenied('Client ID not specified'),
  idsNotArray: () => new RestError('PARAMS_ERROR', 'No IDS param or it is not an array'),
  idError: () => new RestError('ID_ERROR', "Notification ID can't be empty"),
  answerEmpty: () => new RestError('ANSWER_TEXT_ERROR', "ANSWER_TEXT can't be empty"),
  valueEmpty: () => new RestError('NOTIFY_VALUE_ERROR', "Notification Value can't be empty"),
  lastPair: () => new RestError('LAST_ID_AND_LAST_TYPE', 'Parameters LAST_ID and LAST_TYPE should be used together.'),
  lastIdString: () => new RestError('LAST_ID_STRING', "Last notification ID can't be string"),
  searchShort: () => new RestError('SEARCH_TEXT_ERROR', "SEARCH_TEXT can't be less than 3 symbols"),
} as const;

/** The application a call speaks for: the OAuth token's, or a webhook's CLIENT_ID ('' when none). */
function clientIdOf(call: MethodCall, P: Record<string, unknown>): string {
  return call.caller.clientId ?? (typeof P.CLIENT_ID === 'string' ? P.CLIENT_ID : '');
}

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** The three add methods: checks in the portal's order, then one stored notification (or false). */
async function addFromCall(call: MethodCall, type: number): Promise<number | false> {
  if (call.caller.authType === 'session') throw ImbotErrors.sessionAuth();
  const P = upperKeys(call.params);
  const userId = idval(P.USER_ID);
  if (userId <= 0) throw ImErrors.userIdEmpty();
  const message = phpString(P.MESSAGE).trim();
  if (message === '') throw ImErrors.messageEmpty();
  const params = given(P.ATTACH) ? { ATTACH: attachValue(P.ATTACH, call.ctx.clock.now()) } : null;
  if (!(await getUser(call.ctx.db, userId))) return false;
  const clientId = clientIdOf(call, P);
  return addNotification(call.ctx, {
    userId,
    authorId: type === NotifyType.SYSTEM ? 0 : call.caller.userId,
    type,
    message,
    messageOut: phpString(P.MESSAGE_OUT).trim(),
    tag: given(P.TAG) ? appTag(clientId, phpString(P.TAG)) : undefined,
    subTag: given(P.SUB_TAG) ? appTag(clientId, phpString(P.SUB_TAG)) : undefined,
    params,
  });
}

function notify(call: MethodCall): Promise<number | false> {
  const type = phpString(upperKeys(call.params).TYPE).toUpperCase() === 'SYSTEM' ? NotifyType.SYSTEM : NotifyType.FROM;
  return addFromCall(call, type);
}

/** im.notify.delete: by ID (the caller's own), else by TAG or SUB_TAG of the calling application. */
async function notifyDelete(call: MethodCall): Promise<boolean> {
  const P = upperKeys(call.params);
  const id = idval(P.ID);
  if (id > 0) return deleteOwnNotification(call.ctx, call.caller.userId, id);
  if (call.caller.authType === 'session' || (!given(P.TAG) && !given(P.SUB_TAG))) throw NotifyErrors.paramsError();
  const clientId = clientIdOf(call, P);
  if (clientId === '') throw NotifyErrors.clientIdMissing();
  if (given(P.TAG)) return deleteTagged(call.ctx, 'tag', appTag(clientId, phpString(P.TAG)));
  return deleteTagged(call.ctx, 'sub_tag', appTag(clientId, phpString(P.SUB_TAG)));
}

/** ACTION: `Y` (default) reads, anything else unreads. */
const readAction = (v: unknown): boolean => v === undefined || v === null || phpString(v) === 'Y';

/** im.notify.read: ONLY_CURRENT=Y one notification, else it and every newer one; no ID: nothing. */
async function notifyRead(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  if (!given(P.ID)) return true;
  const id = idval(P.ID);
  if (id >= 0) await markRead(call.ctx, call.caller.userId, readAction(P.ACTION), P.ONLY_CURRENT === 'Y' ? { only: id } : { fromId: id });
  return true;
}

/** im.notify.read.list: IDS in order, stopping at the first id ≤ 0. */
async function notifyReadList(call: MethodCall): Promise<true> {
  const P = upperKeys(call.params);
  if (!isPhpArray(P.IDS)) throw NotifyErrors.idsNotArray();
  const ids: number[] = [];
  for (const v of Object.values(P.IDS)) {
    const id = idval(v);
    if (id <= 0) break;
    ids.push(id);
  }
  await markListRead(call.ctx, call.caller.userId, readAction(P.ACTION), ids);
  return true;
}

async function notifyReadAll(call: MethodCall): Promise<unknown> {
  await markRead(call.ctx, call.caller.userId, true, 'all');
  return { result: true, newCounter: await unreadCount(call.ctx, call.caller.userId) };
}

async function notifyAnswer(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const id = idval(P.NOTIFY_ID);
  if (id <= 0) throw NotifyErrors.idError();
  const text = phpString(P.ANSWER_TEXT).trim();
  if (text === '') throw NotifyErrors.answerEmpty();
  return { result_message: await answerNotification(call.ctx, call.caller.userId, id, text) };
}

async function notifyConfirm(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const id = idval(P.NOTIFY_ID);
  if (id <= 0) throw NotifyErrors.idError();
  const value = phpString(P.NOTIFY_VALUE);
  if (value === '') throw NotifyErrors.valueEmpty();
  return { result_message: await confirmNotification(call.ctx, call.caller.userId, id, value) };
}

/**
 * CONVERT_TEXT=Y: the text as the web messenger shows it — HTML-escaped, simple BB codes as tags,
 * line breaks as `<br />`. Without it the stored text (BB codes and all).
 */
export function convertText(text: string): string {
  return htmlEscape(text)
    .replace(/\[(b|i|u|s)\]([\s\S]*?)\[\/\1\]/gi, (_m, tag: string, inner: string) => `<${tag.toLowerCase()}>${inner}</${tag.toLowerCase()}>`)
    .replace(/\[url=([^\]]+)\]([\s\S]*?)\[\/url\]/gi, '<a href="$1" target="_blank">$2</a>')
    .replace(/\[url\]([\s\S]*?)\[\/url\]/gi, '<a href="$1" target="_blank">$1</a>')
    .replace(/\r?\n/g, '<br />');
}

/** LIMIT: default 50, at most 50. */
function pageLimit(v: unknown): number {
  const n = idval(v);
  return n > 0 ? Math.min(n, 50) : 50;
}

/** `notifications` and the cards of their authors (people only; system notifications have none). */
async function notificationsAndUsers(call: MethodCall, rows: NotificationRow[], convert: boolean): Promise<Record<string, unknown>> {
  const authorIds = [...new Set(rows.map((r) => r.author_id).filter((id) => id > 0))];
  const users = await getUsers(call.ctx.db, authorIds);
  const presence = await presenceOf(call.ctx.db, authorIds);
  return {
    notifications: rows.map((r) => formatNotification(r, convert ? convertText(r.message) : r.message)),
    users: users.map((u) => formatImUser(u, presence.get(u.id))),
  };
}

const isNumeric = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

async function notifyGet(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  if (given(P.LAST_ID) !== given(P.LAST_TYPE)) throw NotifyErrors.lastPair();
  if (given(P.LAST_ID) && !isNumeric(P.LAST_ID)) throw NotifyErrors.lastIdString();
  const last = given(P.LAST_ID) ? { id: idval(P.LAST_ID), type: intval(P.LAST_TYPE) } : undefined;
  const page = await notificationPage(call.ctx, call.caller.userId, pageLimit(P.LIMIT), last);
  const body = await notificationsAndUsers(call, page.rows, P.CONVERT_TEXT === 'Y');
  if (page.chatId === undefined) return body;
  return { total_count: page.total, total_unread_count: page.unread, chat_id: page.chatId, ...body };
}

/** `MODULE` or `MODULE|EVENT`. */
function moduleFilter(v: unknown): { module: string; event?: string } {
  const [module, event] = phpString(v).split('|', 2);
  return event === undefined ? { module: module! } : { module: module!, event };
}

/** The whole day of an ATOM date, in the offset it was written in. */
function dayRange(v: string): { from: number; to: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v.trim());
  const from = m ? Date.parse(`${m[1]}T00:00:00${m[2] ?? 'Z'}`) : NaN;
  return Number.isNaN(from) ? undefined : { from, to: from + 86_400_000 };
}

function dateParam(v: unknown): number | undefined {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

async function historySearch(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const text = phpString(P.SEARCH_TEXT).trim();
  const types = [...(given(P.SEARCH_TYPE) ? [P.SEARCH_TYPE] : []), ...(isPhpArray(P.SEARCH_TYPES) ? Object.values(P.SEARCH_TYPES) : [])];
  const authors = isPhpArray(P.SEARCH_AUTHORS) ? Object.values(P.SEARCH_AUTHORS).map(idval).filter((id) => id > 0) : [];
  const day = given(P.SEARCH_DATE) ? dayRange(phpString(P.SEARCH_DATE)) : undefined;
  const from = dateParam(P.SEARCH_DATE_FROM);
  const to = dateParam(P.SEARCH_DATE_TO);
  const range = from !== undefined && to !== undefined;
  if (types.length === 0 && authors.length === 0 && !given(P.SEARCH_DATE) && !range && [...text].length < 3) throw NotifyErrors.searchShort();
  if (given(P.LAST_ID) && !isNumeric(P.LAST_ID)) throw NotifyErrors.lastIdString();
  const lastId = given(P.LAST_ID) ? idval(P.LAST_ID) : 0;
  const found = await searchNotifications(call.ctx, call.caller.userId, {
    text: text || undefined,
    modules: types.length ? types.map(moduleFilter) : undefined,
    authors: authors.length ? authors : undefined,
    from: day?.from ?? (range ? from : undefined),
    to: day?.to ?? (range ? to! + 1 : undefined),
    tag: given(P.GROUP_TAG) ? phpString(P.GROUP_TAG) : undefined,
    beforeId: lastId > 0 ? lastId : undefined,
  });
  const body = await notificationsAndUsers(call, found.rows.slice(0, pageLimit(P.LIMIT)), P.CONVERT_TEXT === 'Y');
  return lastId > 0 ? { chat_id: found.chatId, ...body } : { chat_id: found.chatId, total_results: found.rows.length, ...body };
}

/** The modules that notify on this portal: applications (REST) only. */
function schemaGet(): unknown {
  return {
    rest: { NAME: 'Applications', MODULE_ID: 'rest', LIST: [{ ID: 'rest|rest_notify', NAME: 'Notifications from applications' }] },
  };
}

export const notifyMethods: MethodSpec[] = [
  { name: 'im.notify', scope: 'im', write: true, handler: notify },
  { name: 'im.notify.personal.add', scope: 'im', write: true, handler: (call) => addFromCall(call, NotifyType.FROM) },
  { name: 'im.notify.system.add', scope: 'im', write: true, handler: (call) => addFromCall(call, NotifyType.SYSTEM) },
  { name: 'im.notify.delete', scope: 'im', write: true, handler: notifyDelete },
  { name: 'im.notify.get', scope: 'im', handler: notifyGet },
  { name: 'im.notify.read', scope: 'im', write: true, handler: notifyRead },
  { name: 'im.notify.read.list', scope: 'im', write: true, handler: notifyReadList },
  { name: 'im.notify.read.all', scope: 'im', write: true, handler: notifyReadAll },
  { name: 'im.notify.answer', scope: 'im', write: true, handler: notifyAnswer },
  { name: 'im.notify.confirm', scope: 'im', write: true, handler: notifyConfirm },
  { name: 'im.notify.history.search', scope: 'im', handler: historySearch },
  { name: 'im.notify.schema.get', scope: 'im', handler: schemaGet },
];
