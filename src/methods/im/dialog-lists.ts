/**
 * Reading one dialog: im.dialog.users.list (api-reference/chats/chat-users/im-dialog-users-list.md)
 * and im.dialog.messages.search (api-reference/chats/messages/im-dialog-messages-search.md).
 */
import { getChat, canSeeChat, resolveDialog } from '../../im/chats.js';
import { parseDialogId } from '../../im/dialogs.js';
import { EXTERNAL_TYPES, memberCards, memberCount, searchDialog } from '../../im/dialog-search.js';
import { messageFileCards } from '../../im/disk.js';
import { RestError } from '../../rest/errors.js';
import { intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import { ChatErrors } from '../imbot/errors.js';

const ListErrors = {
  /** The docs' text; the portal's source spells it with a backtick ("can`t"). */
  chatIdEmpty: () => new RestError('CHAT_ID_EMPTY', "CHAT_ID can't be empty"),
  noChatAccess: () => new RestError('ACCESS_ERROR', 'You do not have access to this chat', 403),
} as const;

/** LIMIT: default 50, at most 200; anything not positive is the default. */
function limitParam(raw: unknown): number {
  if (raw === undefined || raw === null) return 50;
  const n = intval(raw);
  return n <= 0 ? 50 : Math.min(n, 200);
}

/** The external types SKIP_EXTERNAL leaves out: every one but those SKIP_EXTERNAL_EXCEPT_TYPES keeps. */
function excludedTypes(P: Record<string, unknown>): string[] {
  if (P.SKIP_EXTERNAL !== 'Y' && P.SKIP_EXTERNAL_EXCEPT_TYPES === undefined) return [];
  const keep = phpString(P.SKIP_EXTERNAL_EXCEPT_TYPES).split(',').map((t) => t.trim().toLowerCase());
  return EXTERNAL_TYPES.filter((t) => !keep.includes(t));
}

/**
 * im.dialog.users.list: DIALOG_ID → access → the chat. With LAST_ID a plain list of the members
 * after that id; otherwise a page by OFFSET (or `start`) with `total` and `next`.
 */
async function dialogUsersList(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  const ref = parseDialogId(P.DIALOG_ID);
  if (!ref) throw ChatErrors.dialogEmpty();
  const { access, chatId } = await resolveDialog(call.ctx.db, ref, call.caller.userId);
  if (!access) throw ChatErrors.noDialogAccess();
  if (chatId === null) throw ChatErrors.noChatAccess();
  const q = { excludeTypes: excludedTypes(P), limit: limitParam(P.LIMIT) };
  if (P.LAST_ID !== undefined && P.LAST_ID !== null && intval(P.LAST_ID) >= 0) {
    return memberCards(call.ctx.db, chatId, { ...q, afterId: intval(P.LAST_ID) });
  }
  const total = await memberCount(call.ctx.db, chatId, q);
  const offset = call.start > 0 ? call.start : Math.max(intval(P.OFFSET), 0);
  const items = total > 0 ? await memberCards(call.ctx.db, chatId, { ...q, offset }) : [];
  return new Paged(items, total, offset + q.limit < total ? offset + q.limit : null);
}

/** An RFC 3339 date in ms; undefined when absent, empty or not a date. */
function dateParam(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

const DAY_MS = 86_400_000;

/**
 * im.dialog.messages.search: CHAT_ID (required) → access to the chat (a member, or anyone for an
 * open chat) → messages matching SEARCH_MESSAGE (used when longer than 2 characters), DATE_FROM /
 * DATE_TO or DATE (that day: 24 hours from it), after LAST_ID in ORDER[ID] (DESC by default).
 */
async function dialogMessagesSearch(call: MethodCall): Promise<unknown> {
  const P = upperKeys(call.params);
  if (P.CHAT_ID === undefined || P.CHAT_ID === null) throw ListErrors.chatIdEmpty();
  const me = call.caller.userId;
  const chat = await getChat(call.ctx.db, intval(P.CHAT_ID));
  if (!chat || !(await canSeeChat(call.ctx.db, chat, me))) throw ListErrors.noChatAccess();
  const text = phpString(P.SEARCH_MESSAGE).trim();
  const order = isPhpArray(P.ORDER) ? upperKeys(P.ORDER as Record<string, unknown>) : {};
  const day = dateParam(P.DATE);
  const lastId = intval(P.LAST_ID);
  return searchDialog(
    call.ctx.db,
    {
      chatId: chat.id,
      text: [...text].length > 2 ? text : null,
      from: day ?? dateParam(P.DATE_FROM),
      to: day !== undefined ? day + DAY_MS : dateParam(P.DATE_TO),
      lastId: lastId > 0 ? lastId : undefined,
      desc: phpString(order.ID).toUpperCase() !== 'ASC',
      limit: limitParam(P.LIMIT),
    },
    me,
    (rows) => messageFileCards(call.ctx, rows, me),
  );
}

export const dialogListMethods: MethodSpec[] = [
  { name: 'im.dialog.users.list', scope: 'im', handler: dialogUsersList },
  // a read: the files' download links are signed, not stored (src/im/download-links.ts)
  { name: 'im.dialog.messages.search', scope: 'im', handler: dialogMessagesSearch },
];
