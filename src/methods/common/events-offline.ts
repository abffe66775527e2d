import { GLOBAL_SCOPE } from '../../auth/scopes.js';
import { isoDate } from '../../clock.js';
import {
  clearProcess,
  listRows,
  markErrors,
  processRows,
  reserveRows,
  type FilterOp,
  type OfflineCondition,
  type OfflineField,
  type OfflineOrder,
  type OfflineRow,
  type QueueOf,
} from '../../events/offline-queue.js';
import { accessDenied, RestError } from '../../rest/errors.js';
import { idval, intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import { appCaller, argumentError, argumentNull, isset, lowerKeys } from './events-args.js';

/*
 * `event.offline.get/list/clear/error` (api-reference/events/event-offline-*):
 * administrators of an OAuth application only, checks in the portal's order.
 */

/**
 * `rest_offline_extended` (reservation with clear=0, `process_id`, `event.offline.error`): a
 * portal without the bitrix24 module — a self-hosted one, like this server — always has it, so it
 * is on here and `WRONG_LICENSE` is never answered.
 */
const OFFLINE_EXTENDED = true;

const GET_FIELDS: readonly OfflineField[] = ['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'MESSAGE_ID'];
const LIST_FIELDS: readonly OfflineField[] = [...GET_FIELDS, 'PROCESS_ID', 'ERROR'];
const FILTER_OPS: readonly FilterOp[] = ['', '=', '>', '<', '>=', '<=', '@', '%'];
const PAGE = 50;

/** The app's queue, for an administrator of it (anyone else: "Access denied!"). */
function adminQueue(call: MethodCall): QueueOf {
  const caller = appCaller(call);
  if (!caller.isAdmin) throw accessDenied();
  return { appId: caller.appId, connectorId: '' };
}

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : Object.values(v as object));

/** `IRestService::sanitizeFilter`: prefix operation + field, both from the allowed lists. */
function filterOf(raw: unknown, fields: readonly OfflineField[]): OfflineCondition[] {
  if (!isPhpArray(raw)) throw argumentError('The filter is not an array.');
  return Object.entries(upperKeys(raw as Record<string, unknown>)).map(([key, value]) => {
    const [, op = '', field = ''] = /^([^a-zA-Z]*)(.*)$/s.exec(key)!;
    if (!FILTER_OPS.includes(op as FilterOp)) throw argumentError(`Filter operation not allowed: ${op}`);
    if (!fields.includes(field as OfflineField)) throw argumentError(`Filter field not allowed: ${field}`);
    // typed as the portal's ORM types them: ID and ERROR are integer fields ("abc" → 0), so the
    // comparison means the same on every store
    const convert = (v: unknown) => (field === 'TIMESTAMP_X' ? Date.parse(phpString(v)) || 0 : field === 'ID' ? idval(v) : field === 'ERROR' ? intval(v) : phpString(v));
    return { op: op as FilterOp, field: field as OfflineField, value: isPhpArray(value) ? listOf(value).map(convert) : convert(value) } as OfflineCondition;
  });
}

/** `IRestService::sanitizeOrder`: {FIELD: ASC|DESC} or a list of fields (ascending). */
function orderOf(raw: unknown, fields: readonly OfflineField[]): OfflineOrder[] {
  if (!isPhpArray(raw)) throw argumentError('The order is not an array.');
  return Object.entries(upperKeys(raw as Record<string, unknown>)).map(([key, value]) => {
    const named = /^\d+$/.test(key) ? phpString(value) : key;
    if (!fields.includes(named as OfflineField)) throw argumentError(`Order field not allowed: ${named}`);
    if (named !== key) return { field: named as OfflineField, dir: 'asc' };
    const dir = phpString(value).toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw argumentError('Order direction should be one of {ASC|DESC}');
    return { field: named as OfflineField, dir: dir === 'ASC' ? 'asc' : 'desc' };
  });
}

/** One queue row as `event.offline.get` shows it (ID a string, TIMESTAMP_X ISO, data decoded). */
function eventOf(r: OfflineRow) {
  return {
    ID: String(r.id),
    TIMESTAMP_X: isoDate(r.changed_at),
    EVENT_NAME: r.event_name,
    EVENT_DATA: JSON.parse(r.event_data || 'false'),
    EVENT_ADDITIONAL: JSON.parse(r.event_additional || 'false'),
    MESSAGE_ID: r.message_id,
  };
}

/**
 * `event.offline.get`: the first rows of the queue. clear=1 (default) deletes what it returns;
 * clear=0 reserves them under a new process_id until `event.offline.clear`; a given process_id
 * re-reads that process's rows. error=1 reads the rows `event.offline.error` flagged.
 */
async function offlineGet(call: MethodCall) {
  const queue = adminQueue(call);
  const q = lowerKeys(call.params);
  const clear = isset(q.clear) ? intval(q.clear) !== 0 : true;
  const given = isset(q.process_id) ? phpString(q.process_id).trim() : null;
  if (!clear && !OFFLINE_EXTENDED) throw new RestError('WRONG_LICENSE', 'This feature is not enabled for the current license: extended offline events handling', 403);
  const filter = isset(q.filter) ? q.filter : {};
  const order = isset(q.order) ? q.order : { TIMESTAMP_X: 'ASC' };
  const limit = isset(q.limit) ? intval(q.limit) : PAGE;
  const errors = intval(q.error) === 1;
  if (limit <= 0) throw argumentError('Value must be positive integer', 'LIMIT');
  const where = { conditions: filterOf(filter, GET_FIELDS), order: orderOf(order, GET_FIELDS) };
  const processId = given ?? (await reserveRows(call.ctx, queue, errors, where, limit));
  const rows = await processRows(call.ctx, queue, processId, errors, where, limit);
  if (clear && rows.length > 0) await clearProcess(call.ctx, queue, processId);
  return { process_id: !clear || given !== null ? processId : null, events: rows.map(eventOf) };
}

/** `event.offline.list`: the queue as it is (nothing reserved), 50 a page with total/next. */
async function offlineList(call: MethodCall): Promise<Paged> {
  const queue = adminQueue(call);
  const q = lowerKeys(call.params);
  const where = {
    conditions: filterOf(isset(q.filter) ? q.filter : {}, LIST_FIELDS),
    order: orderOf(isset(q.order) ? q.order : { ID: 'ASC' }, LIST_FIELDS),
  };
  const offset = Math.max(0, call.start);
  const { rows, total } = await listRows(call.ctx, queue, where, offset, PAGE);
  return Paged.of(rows.map((r) => ({ ...eventOf(r), PROCESS_ID: r.process_id, ERROR: String(r.error) })), offset, total);
}

const MESSAGE_IDS = 'Value must be array of MESSAGE_ID values';

/** `message_id[]`: 32-character values (the portal names the argument `messsage_id` for a bad one). */
function messageIdsOf(raw: unknown): string[] {
  if (!isPhpArray(raw)) throw argumentError(MESSAGE_IDS, 'message_id');
  return listOf(raw).map((v) => {
    const id = phpString(v).trim();
    if (id.length !== 32) throw argumentError(MESSAGE_IDS, 'messsage_id');
    return id;
  });
}

/**
 * `event.offline.clear`: deletes a process's rows — all, or `message_id[]` (wins), or `id[]`.
 * As on a portal, an empty process_id is a process id too: the free rows.
 */
async function offlineClear(call: MethodCall): Promise<true> {
  const queue = adminQueue(call);
  const q = lowerKeys(call.params);
  if (!isset(q.process_id)) throw argumentNull('PROCESS_ID');
  const processId = phpString(q.process_id).trim();
  if (isset(q.message_id)) {
    await clearProcess(call.ctx, queue, processId, { messageIds: messageIdsOf(q.message_id) });
  } else if (isset(q.id)) {
    if (!isPhpArray(q.id)) throw argumentError('Value must be array of integers', 'id');
    const ids = listOf(q.id).map((v) => {
      const id = idval(v);
      if (id <= 0) throw argumentError('Value must be array of integers', 'id');
      return id;
    });
    await clearProcess(call.ctx, queue, processId, { ids });
  } else {
    await clearProcess(call.ctx, queue, processId);
  }
  return true;
}

/** `event.offline.error`: the process's rows with these message ids return to the queue flagged ERROR=1. */
async function offlineError(call: MethodCall): Promise<true> {
  const queue = adminQueue(call);
  const q = lowerKeys(call.params);
  if (!isset(q.process_id)) throw argumentNull('PROCESS_ID');
  if (!isPhpArray(q.message_id)) throw argumentError(MESSAGE_IDS, 'message_id');
  await markErrors(call.ctx, queue, phpString(q.process_id).trim(), listOf(q.message_id).map((v) => phpString(v).trim()));
  return true;
}

export const offlineEventMethods: MethodSpec[] = [
  { name: 'event.offline.get', scope: GLOBAL_SCOPE, write: true, handler: offlineGet },
  { name: 'event.offline.list', scope: GLOBAL_SCOPE, handler: offlineList },
  { name: 'event.offline.clear', scope: GLOBAL_SCOPE, write: true, handler: offlineClear },
  { name: 'event.offline.error', scope: GLOBAL_SCOPE, write: true, handler: offlineError },
];
