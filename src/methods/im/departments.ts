/**
 * im.department.get / managers.get / employees.get / colleagues.list
 * (api-reference/chats/departments/): the structure as the messenger shows it, to intranet
 * people only (not bots, not extranet users).
 */
import { colleaguesOf, departmentFullName, departmentMap, membersByDepartment, type DepartmentRow } from '../../im/departments.js';
import { userCards } from '../../im/user-cards.js';
import { departmentsOf, getUser } from '../../im/users.js';
import { RestError } from '../../rest/errors.js';
import { assocOrEmpty, intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import type { Db } from '../../store/db.js';

export const DepartmentErrors = {
  intranetOnly: () => new RestError('ACCESS_ERROR', 'Only intranet users have access to this method.', 403),
  invalidFormat: () => new RestError('INVALID_FORMAT', 'A wrong format for the ID field is passed'),
  idEmpty: () => new RestError('ID_EMPTY', "Department ID can't be empty"),
} as const;

/** The caller is an intranet person: not a bot, not an extranet user. */
async function mustBeIntranet(call: MethodCall): Promise<void> {
  const me = await getUser(call.ctx.db, call.caller.userId);
  if (!me || me.external_auth_id === 'bot' || me.user_type === 'extranet') throw DepartmentErrors.intranetOnly();
}

/** ID: an array, or a string holding a JSON array; the positive ids in it, in order, once each. */
function departmentIds(value: unknown): number[] | null {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!isPhpArray(v)) return null;
  const ids = [...new Set(Object.values(v).map(intval).filter((n) => n > 0))];
  return ids.length ? ids : null;
}

const userData = (P: Record<string, unknown>) => phpString(P.USER_DATA).toUpperCase() === 'Y';

/** A department as the messenger describes it; `manager_user_data` only when asked for. */
export async function imDepartments(db: Db, rows: DepartmentRow[], withUser: boolean, byId?: Map<number, DepartmentRow>): Promise<Record<string, unknown>[]> {
  const all = byId ?? (await departmentMap(db));
  const cards = withUser ? await userCards(db, rows.map((d) => d.head_id).filter(Boolean)) : new Map();
  return rows.map((d) => ({
    id: d.id,
    name: d.name,
    full_name: departmentFullName(d, all),
    manager_user_id: d.head_id,
    ...(withUser ? { manager_user_data: cards.get(d.head_id) ?? null } : {}),
  }));
}

async function departmentGet(call: MethodCall): Promise<unknown> {
  await mustBeIntranet(call);
  const P = upperKeys(call.params);
  const ids = departmentIds(P.ID);
  if (!ids) throw DepartmentErrors.invalidFormat();
  const byId = await departmentMap(call.ctx.db);
  const rows = ids.map((id) => byId.get(id)).filter((d): d is DepartmentRow => !!d);
  return imDepartments(call.ctx.db, rows, userData(P), byId);
}

/** department id → user ids (or cards with USER_DATA=Y), for the existing departments asked for. */
async function peopleByDepartment(call: MethodCall, pick: (d: DepartmentRow, members: Map<number, number[]>) => number[]): Promise<unknown> {
  await mustBeIntranet(call);
  const P = upperKeys(call.params);
  const ids = departmentIds(P.ID);
  if (!ids) throw DepartmentErrors.idEmpty();
  const byId = await departmentMap(call.ctx.db);
  const members = await membersByDepartment(call.ctx.db);
  const lists = ids.filter((id) => byId.has(id)).map((id) => [id, pick(byId.get(id)!, members)] as [number, number[]]);
  if (!userData(P)) return assocOrEmpty(lists);
  const cards = await userCards(call.ctx.db, lists.flatMap(([, l]) => l));
  return assocOrEmpty(lists.map(([id, l]) => [id, l.map((u) => cards.get(u)).filter(Boolean)]));
}

const LIMIT_DEFAULT = 10;
const LIMIT_MAX = 50;

/** OFFSET (default 0) and LIMIT (default 10, at most 50) of the messenger's search-style lists. */
export function offsetLimit(P: Record<string, unknown>): { offset: number; limit: number } {
  const limit = intval(P.LIMIT);
  return { offset: Math.max(intval(P.OFFSET), 0), limit: limit > 0 ? Math.min(limit, LIMIT_MAX) : LIMIT_DEFAULT };
}

async function colleaguesList(call: MethodCall): Promise<Paged> {
  await mustBeIntranet(call);
  const P = upperKeys(call.params);
  const me = (await getUser(call.ctx.db, call.caller.userId))!;
  const all = await colleaguesOf(call.ctx.db, me.id, departmentsOf(me));
  const { offset, limit } = offsetLimit(P);
  const page = all.slice(offset, offset + limit);
  if (!userData(P)) return Paged.of(page, offset, all.length);
  const cards = await userCards(call.ctx.db, page);
  return Paged.of(page.map((u) => cards.get(u)).filter(Boolean), offset, all.length);
}

export const imDepartmentMethods: MethodSpec[] = [
  { name: 'im.department.get', scope: 'im', handler: departmentGet },
  { name: 'im.department.managers.get', scope: 'im', handler: (call) => peopleByDepartment(call, (d) => (d.head_id ? [d.head_id] : [])) },
  { name: 'im.department.employees.get', scope: 'im', handler: (call) => peopleByDepartment(call, (d, m) => m.get(d.id) ?? []) },
  { name: 'im.department.colleagues.list', scope: 'im', handler: colleaguesList },
];
