/**
 * The company structure (api-reference/departments/, chats/departments/): departments form one
 * tree under the top-level department; people belong to departments through their
 * UF_DEPARTMENT list; a department's head (UF_HEAD) is any user id.
 */
import type { DomainCtx } from '../context.js';
import { lockKey, type Db } from '../store/db.js';
import {
  allDepartments,
  allNodes,
  deleteDepartmentRows,
  departmentById,
  insertDepartment,
  updateDepartmentRow,
  type DepartmentRow,
} from '../store/repos/departments.js';
import { deleteNodeData } from '../store/repos/structure.js';
import { peopleDepartments, setPersonDepartments } from '../store/repos/users.js';

export type { DepartmentRow };

/** The lock every change of the structure takes first (department.*, humanresources.*: im/structure.ts). */
export const STRUCTURE_LOCK = 'company-structure';

/** A refusal of a structure change, with the portal's text (answered as ERROR_CORE). */
export class DepartmentError extends Error {}

export const DepartmentTexts = {
  nameMissing: 'Department name not provided.<br>',
  oneTopLevel: 'There can only be one top-level department in the company structure',
  notFound: 'Department not found',
  accessDenied: 'Access denied',
  cycle: 'A department cannot be moved under itself or one of its subdepartments',
  topLevelDelete: 'The top-level department cannot be deleted',
} as const;

/** `"Name / Parent name"`: the messenger's full name of a department (the top level: its name). */
export function departmentFullName(d: DepartmentRow, byId: Map<number, DepartmentRow>): string {
  const parent = byId.get(d.parent_id);
  return parent ? `${d.name} / ${parent.name}` : d.name;
}

export async function departmentMap(db: Db): Promise<Map<number, DepartmentRow>> {
  return new Map((await allDepartments(db)).map((d) => [d.id, d]));
}

/** `id` and every department below it. */
export function subtree(byId: Map<number, DepartmentRow>, id: number): number[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) for (const d of byId.values()) if (d.parent_id === out[i]) out.push(d.id);
  return out;
}

/** A `users.departments` value (a JSON int array) as ids; [] for anything else. */
export function parseIds(json: string): number[] {
  try {
    const d = JSON.parse(json);
    return Array.isArray(d) ? d.map(Number) : [];
  } catch {
    return [];
  }
}

/** Active people (not bots) by department: department id → user ids, ascending. */
export async function membersByDepartment(db: Db): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const p of await peopleDepartments(db)) {
    if (!p.active) continue;
    for (const d of parseIds(p.departments)) {
      const list = out.get(d);
      if (list) list.push(p.id);
      else out.set(d, [p.id]);
    }
  }
  return out;
}

export interface DepartmentInput {
  name?: string;
  sort?: number;
  parent?: number;
  head?: number;
}

/** department.add: NAME first, then the parent (an existing department: one top level only). */
export async function addDepartment(ctx: DomainCtx, d: DepartmentInput): Promise<number> {
  await lockKey(ctx.db, STRUCTURE_LOCK);
  if (!d.name) throw new DepartmentError(DepartmentTexts.nameMissing);
  if (!d.parent || !(await departmentById(ctx.db, d.parent))) throw new DepartmentError(DepartmentTexts.oneTopLevel);
  const now = ctx.clock.now();
  return insertDepartment(ctx.db, { name: d.name, sort: d.sort ?? 500, parent_id: d.parent, head_id: d.head ?? 0, created_at: now, updated_at: now });
}

/** department.update: only the fields given change; the tree stays a tree with one top. */
export async function updateDepartment(ctx: DomainCtx, id: number, d: DepartmentInput): Promise<void> {
  await lockKey(ctx.db, STRUCTURE_LOCK);
  const byId = await departmentMap(ctx.db);
  const row = byId.get(id);
  if (!row) throw new DepartmentError(DepartmentTexts.notFound);
  if (d.name !== undefined && d.name === '') throw new DepartmentError(DepartmentTexts.nameMissing);
  if (d.parent !== undefined && d.parent !== row.parent_id) {
    if (!d.parent || !byId.has(d.parent)) throw new DepartmentError(DepartmentTexts.oneTopLevel);
    if (row.parent_id === 0) throw new DepartmentError(DepartmentTexts.oneTopLevel);
    if (subtree(byId, id).includes(d.parent)) throw new DepartmentError(DepartmentTexts.cycle);
  }
  await updateDepartmentRow(ctx.db, id, {
    ...(d.name !== undefined ? { name: d.name } : {}),
    ...(d.sort !== undefined ? { sort: d.sort } : {}),
    ...(d.parent !== undefined ? { parent_id: d.parent } : {}),
    ...(d.head !== undefined ? { head_id: d.head } : {}),
    updated_at: ctx.clock.now(),
  });
}

/**
 * department.delete: the department and its subdepartments go; their people leave them (someone
 * left in none belongs to the top-level department, as every employee belongs somewhere).
 */
export async function deleteDepartment(ctx: DomainCtx, id: number): Promise<void> {
  await lockKey(ctx.db, STRUCTURE_LOCK);
  const byId = await departmentMap(ctx.db);
  const row = byId.get(id);
  if (!row) throw new DepartmentError(DepartmentTexts.notFound);
  if (row.parent_id === 0) throw new DepartmentError(DepartmentTexts.topLevelDelete);
  const gone = new Set(subtree(byId, id));
  const top = [...byId.values()].find((d) => d.parent_id === 0)!;
  for (const p of await peopleDepartments(ctx.db)) {
    const before = parseIds(p.departments);
    if (!before.some((d) => gone.has(d))) continue;
    const after = before.filter((d) => !gone.has(d));
    await setPersonDepartments(ctx.db, p.id, after.length ? after : [top.id]);
  }
  // teams below the departments that go (humanresources.* nodes) go with them
  const nodes = await allNodes(ctx.db);
  for (let i = 0, ids = [...gone]; i < ids.length; i++) for (const n of nodes) if (n.parent_id === ids[i] && !gone.has(n.id)) (gone.add(n.id), ids.push(n.id));
  await deleteDepartmentRows(ctx.db, [...gone]);
  await deleteNodeData(ctx.db, [...gone]);
}

/**
 * im.department.colleagues.list: the people of the caller's departments and those departments'
 * heads; for a department the caller heads, everyone in it and below it and the heads of the
 * departments above it. Never the caller; ascending ids.
 */
export async function colleaguesOf(db: Db, userId: number, own: number[]): Promise<number[]> {
  const byId = await departmentMap(db);
  const members = await membersByDepartment(db);
  const out = new Set<number>();
  const add = (ids: number[] | undefined) => ids?.forEach((u) => out.add(u));
  for (const depId of own) {
    const d = byId.get(depId);
    if (!d) continue;
    add(members.get(depId));
    if (d.head_id) out.add(d.head_id);
  }
  for (const d of byId.values()) {
    if (d.head_id !== userId) continue;
    for (const sub of subtree(byId, d.id)) {
      add(members.get(sub));
      const head = byId.get(sub)!.head_id;
      if (head) out.add(head);
    }
    for (let up = byId.get(d.parent_id); up; up = byId.get(up.parent_id)) if (up.head_id) out.add(up.head_id);
  }
  out.delete(userId);
  return [...out].sort((a, b) => a - b);
}
