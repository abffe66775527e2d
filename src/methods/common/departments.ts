/**
 * department.get / fields / add / update / delete (api-reference/departments/department-*.md):
 * the company structure, readable by anyone with the `department` scope, changed by
 * administrators. Refusals are ERROR_CORE with the portal's text, status 400.
 */
import { addDepartment, deleteDepartment, DepartmentError, DepartmentTexts, updateDepartment, type DepartmentInput, type DepartmentRow } from '../../im/departments.js';
import { RestError } from '../../rest/errors.js';
import { intval, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import { Paged, type MethodCall, type MethodSpec } from '../../rest/registry.js';
import { countDepartments, findDepartments, type DepartmentColumn, type DepartmentFilter } from '../../store/repos/departments.js';

const PAGE = 50;

/** The fields department.get sorts and filters by, as the API names them. */
const COLUMNS: Record<string, DepartmentColumn> = { ID: 'id', NAME: 'name', SORT: 'sort', PARENT: 'parent_id', UF_HEAD: 'head_id' };

const coreError = (text: string) => new RestError('ERROR_CORE', text);

/** One department as department.get lists it: ids as strings, SORT a number, PARENT and UF_HEAD only when set. */
export function formatDepartment(d: DepartmentRow): Record<string, unknown> {
  return {
    ID: String(d.id),
    NAME: d.name,
    SORT: d.sort,
    ...(d.parent_id ? { PARENT: String(d.parent_id) } : {}),
    ...(d.head_id ? { UF_HEAD: String(d.head_id) } : {}),
  };
}

/**
 * `sort`/`order` and the filter share names once keys are upper-cased (`SORT`): a field name
 * there is the ordering, a number the SORT filter.
 */
async function departmentGet(call: MethodCall): Promise<Paged> {
  const P = upperKeys(call.params);
  const filter: DepartmentFilter = {};
  let sort: DepartmentColumn = 'id';
  const sortName = phpString(P.SORT).toUpperCase();
  if (COLUMNS[sortName]) sort = COLUMNS[sortName];
  else if (P.SORT !== undefined && !isPhpArray(P.SORT)) filter.sort = intval(P.SORT);
  const desc = phpString(P.ORDER).toUpperCase() === 'DESC';
  if (P.ID !== undefined) filter.id = intval(P.ID);
  if (P.NAME !== undefined) filter.name = phpString(P.NAME);
  if (P.PARENT !== undefined) filter.parent_id = intval(P.PARENT);
  if (P.UF_HEAD !== undefined) filter.head_id = intval(P.UF_HEAD);
  const offset = Math.max(call.start, 0);
  const rows = await findDepartments(call.ctx.db, filter, sort, desc, offset, PAGE);
  return Paged.of(rows.map(formatDepartment), offset, await countDepartments(call.ctx.db, filter));
}

const FIELDS = { ID: 'ID', NAME: 'Department Name', SORT: 'Sort Order', PARENT: 'Parent Department', UF_HEAD: 'Manager' } as const;

/** NAME, SORT, PARENT, UF_HEAD as given (a key left out changes nothing). */
function departmentInput(P: Record<string, unknown>): DepartmentInput {
  return {
    ...(P.NAME !== undefined ? { name: phpString(P.NAME).trim() } : {}),
    ...(P.SORT !== undefined ? { sort: intval(P.SORT) } : {}),
    ...(P.PARENT !== undefined ? { parent: intval(P.PARENT) } : {}),
    ...(P.UF_HEAD !== undefined ? { head: intval(P.UF_HEAD) } : {}),
  };
}

/** The caller may change the structure (an administrator); the check comes before the input's. */
function mustEdit(call: MethodCall): void {
  if (!call.caller.isAdmin) throw coreError(DepartmentTexts.accessDenied);
}

async function asCore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DepartmentError) throw coreError(err.message);
    throw err;
  }
}

async function departmentAdd(call: MethodCall): Promise<number> {
  mustEdit(call);
  const P = upperKeys(call.params);
  return asCore(() => addDepartment(call.ctx, { name: '', ...departmentInput(P) }));
}

async function departmentUpdate(call: MethodCall): Promise<true> {
  mustEdit(call);
  const P = upperKeys(call.params);
  await asCore(() => updateDepartment(call.ctx, intval(P.ID), departmentInput(P)));
  return true;
}

async function departmentDelete(call: MethodCall): Promise<true> {
  mustEdit(call);
  await asCore(() => deleteDepartment(call.ctx, intval(upperKeys(call.params).ID)));
  return true;
}

export const departmentMethods: MethodSpec[] = [
  { name: 'department.get', scope: 'department', handler: departmentGet },
  { name: 'department.fields', scope: 'department', handler: () => ({ ...FIELDS }) },
  { name: 'department.add', scope: 'department', write: true, handler: departmentAdd },
  { name: 'department.update', scope: 'department', write: true, handler: departmentUpdate },
  { name: 'department.delete', scope: 'department', write: true, handler: departmentDelete },
];
