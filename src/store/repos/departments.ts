/**
 * Queries on `departments` (the company structure); people's department lists are repos/users.ts's.
 * The table holds the nodes of humanresources.* too: department.* and the messenger see only
 * the DEPARTMENT rows, the node queries below see every row (teams included).
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { DepartmentsTable } from '../schema.js';

export type DepartmentRow = Selectable<DepartmentsTable>;

/** Equality conditions of department.get, by column. */
export interface DepartmentFilter {
  id?: number;
  name?: string;
  sort?: number;
  parent_id?: number;
  head_id?: number;
}

export type DepartmentColumn = keyof DepartmentFilter;

const DEPARTMENT = 'DEPARTMENT';

function filtered(db: Db, f: DepartmentFilter) {
  let q = db.selectFrom('departments').where('type', '=', DEPARTMENT);
  for (const [col, value] of Object.entries(f) as [DepartmentColumn, string | number | undefined][]) {
    if (value !== undefined) q = q.where(col, '=', value as never);
  }
  return q;
}

/** One page of departments matching `f`, ordered by `sort` then id (the tie-break). */
export function findDepartments(db: Db, f: DepartmentFilter, sort: DepartmentColumn, desc: boolean, offset: number, limit: number): Promise<DepartmentRow[]> {
  let q = filtered(db, f).selectAll().orderBy(sort, desc ? 'desc' : 'asc');
  if (sort !== 'id') q = q.orderBy('id', 'asc');
  return q.limit(limit).offset(offset).execute();
}

export async function countDepartments(db: Db, f: DepartmentFilter): Promise<number> {
  const row = await filtered(db, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every department, by id: the tree is small and read whole for names and subtrees. */
export function allDepartments(db: Db): Promise<DepartmentRow[]> {
  return db.selectFrom('departments').selectAll().where('type', '=', DEPARTMENT).orderBy('id').execute();
}

export function departmentById(db: Db, id: number): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('id', '=', id).where('type', '=', DEPARTMENT).executeTakeFirst();
}

export function departmentsByIds(db: Db, ids: number[]): Promise<DepartmentRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('departments').selectAll().where('id', 'in', ids).where('type', '=', DEPARTMENT).orderBy('id').execute();
}

export function topLevelDepartment(db: Db): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('parent_id', '=', 0).where('type', '=', DEPARTMENT).orderBy('id').executeTakeFirst();
}

export async function insertDepartment(db: Db, d: { name: string; sort: number; parent_id: number; head_id: number; created_at?: number; updated_at?: number }): Promise<number> {
  const row = await db.insertInto('departments').values(d).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateDepartmentRow(db: Db, id: number, patch: Partial<{ name: string; sort: number; parent_id: number; head_id: number; updated_at: number }>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('departments').set(patch).where('id', '=', id).execute();
}

export async function deleteDepartmentRows(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('departments').where('id', 'in', ids).execute();
}

// ---- nodes (humanresources.*): every row, departments and teams ----

/** Every node, by id (the tree is small and read whole for subtrees and counts). */
export function allNodes(db: Db): Promise<DepartmentRow[]> {
  return db.selectFrom('departments').selectAll().orderBy('id').execute();
}

export function nodeById(db: Db, id: number): Promise<DepartmentRow | undefined> {
  return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewNode {
  type: string;
  name: string;
  parent_id: number;
  description: string;
  color_name: string | null;
  created_at: number;
}

export async function insertNode(db: Db, n: NewNode): Promise<number> {
  const row = await db.insertInto('departments').values({ ...n, sort: 500, head_id: 0, updated_at: n.created_at }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateNodeRow(db: Db, id: number, patch: Partial<{ name: string; description: string; color_name: string | null; parent_id: number; head_id: number; updated_at: number }>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  await db.updateTable('departments').set(patch).where('id', '=', id).execute();
}
