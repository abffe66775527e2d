/**
 * The company structure as humanresources.* sees it (api-reference/departments/node/,
 * node-member/, node-communication/, employee/): the SAME tree as department.* (im/departments.ts),
 * each row a node — a DEPARTMENT, or a TEAM that department.* does not show. A department's
 * people are those whose UF_DEPARTMENT names it, its head is its UF_HEAD, its deputies are
 * `node_member_roles` rows (counted only while the deputy is still in the department); a team's
 * members are all `node_member_roles` rows. Bound chats are `node_communications` rows.
 */
import type { DomainCtx } from '../context.js';
import { lockKey, type Db } from '../store/db.js';
import { allNodes, insertNode, nodeById, updateNodeRow, type DepartmentRow } from '../store/repos/departments.js';
import { allNodeRoles, bindCommunication, deleteNodeRoles, nodeCommunications, setNodeRole, unbindCommunications, type NodeRoleRow } from '../store/repos/structure.js';
import { findUsers, peopleDepartments, setPersonDepartments, type UserRow } from '../store/repos/users.js';
import { createGroupChat, getChat, isGroupChat } from './chats.js';
import { parseIds, STRUCTURE_LOCK } from './departments.js';

export type NodeType = 'DEPARTMENT' | 'TEAM';
export const NODE_TYPES: readonly NodeType[] = ['DEPARTMENT', 'TEAM'];

export const DEPARTMENT_ROLES = ['MEMBER_HEAD', 'MEMBER_DEPUTY_HEAD', 'MEMBER_EMPLOYEE'] as const;
export const TEAM_ROLES = ['MEMBER_TEAM_HEAD', 'MEMBER_TEAM_DEPUTY_HEAD', 'MEMBER_TEAM_EMPLOYEE'] as const;
export const TEAM_COLORS = ['blue', 'green', 'cyan', 'orange', 'purple', 'pink'] as const;

export function rolesOf(type: string): readonly string[] {
  return type === 'TEAM' ? TEAM_ROLES : DEPARTMENT_ROLES;
}

/** The role a member gets when none is named (humanresources-node-member-move.md). */
export function defaultRole(type: string): string {
  return type === 'TEAM' ? 'MEMBER_TEAM_EMPLOYEE' : 'MEMBER_EMPLOYEE';
}

/** A refusal the API layer renders with its own code: `kind` says which. */
export class StructureError extends Error {
  constructor(
    readonly kind: 'notFound' | 'parent' | 'user',
    readonly id: number,
  ) {
    super(`${kind} ${id}`);
  }
}

export interface Member {
  userId: number;
  role: string;
}

/** The whole structure, read once per call: nodes, extra roles, people's department lists. */
export class Structure {
  readonly byId: Map<number, DepartmentRow>;
  private readonly deptPeople = new Map<number, number[]>();
  private readonly personDepts = new Map<number, number[]>();
  private readonly roles = new Map<number, NodeRoleRow[]>();

  constructor(nodes: DepartmentRow[], roles: NodeRoleRow[], people: { id: number; active: number; departments: string }[]) {
    this.byId = new Map(nodes.map((n) => [n.id, n]));
    for (const r of roles) {
      const list = this.roles.get(r.node_id);
      if (list) list.push(r);
      else this.roles.set(r.node_id, [r]);
    }
    for (const p of people) {
      if (!p.active) continue;
      const depts = parseIds(p.departments);
      this.personDepts.set(p.id, depts);
      for (const d of depts) {
        const list = this.deptPeople.get(d);
        if (list) list.push(p.id);
        else this.deptPeople.set(d, [p.id]);
      }
    }
  }

  static async load(db: Db): Promise<Structure> {
    return new Structure(await allNodes(db), await allNodeRoles(db), await peopleDepartments(db));
  }

  node(id: number): DepartmentRow | undefined {
    return this.byId.get(id);
  }

  /** A person's department list (UF_DEPARTMENT), [] for none or unknown. */
  departmentsOf(userId: number): number[] {
    return this.personDepts.get(userId) ?? [];
  }

  /** The members of a node with their roles: heads, then deputies, then the rest, each by id. */
  members(id: number): Member[] {
    const node = this.byId.get(id);
    if (!node) return [];
    let out: Member[];
    if (node.type === 'TEAM') out = (this.roles.get(id) ?? []).map((r) => ({ userId: r.user_id, role: r.role }));
    else {
      const people = this.deptPeople.get(id) ?? [];
      const deputies = new Set((this.roles.get(id) ?? []).filter((r) => r.role === 'MEMBER_DEPUTY_HEAD').map((r) => r.user_id));
      out = people.map((u) => ({ userId: u, role: u === node.head_id ? 'MEMBER_HEAD' : deputies.has(u) ? 'MEMBER_DEPUTY_HEAD' : 'MEMBER_EMPLOYEE' }));
      if (node.head_id && this.personDepts.has(node.head_id) && !people.includes(node.head_id)) out.push({ userId: node.head_id, role: 'MEMBER_HEAD' });
    }
    const rank = (role: string) => (role.endsWith('DEPUTY_HEAD') ? 1 : role.endsWith('HEAD') ? 0 : 2);
    return out.sort((a, b) => rank(a.role) - rank(b.role) || a.userId - b.userId);
  }

  /** The teams a person is a member of. */
  teamsOf(userId: number): number[] {
    const out: number[] = [];
    for (const [nodeId, rows] of this.roles) if (this.byId.get(nodeId)?.type === 'TEAM' && rows.some((r) => r.user_id === userId)) out.push(nodeId);
    return out.sort((a, b) => a - b);
  }

  /** `id` and every node below it. */
  subtree(id: number): number[] {
    const out = [id];
    for (let i = 0; i < out.length; i++) for (const n of this.byId.values()) if (n.parent_id === out[i]) out.push(n.id);
    return out;
  }

  /** The direct children of a node, in the structure's order (SORT, then id). */
  children(id: number): DepartmentRow[] {
    return this.ordered().filter((n) => n.parent_id === id);
  }

  /** Every node in the structure's order: SORT (department.*'s, 500 by default), then id. */
  ordered(): DepartmentRow[] {
    return [...this.byId.values()].sort((a, b) => a.sort - b.sort || a.id - b.id);
  }

  /** How far below the top a node is (the top-level department: 0). */
  depth(id: number): number {
    let d = 0;
    for (let n = this.byId.get(id); n && n.parent_id; n = this.byId.get(n.parent_id)) d++;
    return d;
  }

  top(): DepartmentRow | undefined {
    return [...this.byId.values()].find((n) => n.parent_id === 0 && n.type === 'DEPARTMENT');
  }

  /** Every person in the structure: in a department or a team. */
  employees(): number[] {
    const out = new Set<number>();
    for (const [p, depts] of this.personDepts) if (depts.some((d) => this.byId.get(d)?.type === 'DEPARTMENT')) out.add(p);
    for (const [nodeId, rows] of this.roles) if (this.byId.get(nodeId)?.type === 'TEAM') for (const r of rows) if (this.personDepts.has(r.user_id)) out.add(r.user_id);
    return [...out].sort((a, b) => a - b);
  }
}

/** People's cards for member lists: the rows of `ids` by id. */
export async function peopleById(db: Db, ids: number[]): Promise<Map<number, UserRow>> {
  return new Map((await findUsers(db, [...new Set(ids)])).map((u) => [u.id, u]));
}

/**
 * Changes to the structure read people's department lists and nodes, then write them: one
 * change at a time (PostgreSQL's advisory lock; SQLite's writers already take turns), so two
 * concurrent member changes never lose each other's department list.
 */
export async function lockStructure(db: Db): Promise<void> {
  await lockKey(db, STRUCTURE_LOCK);
}

/** The people among `ids` who can be in the structure: active, not bots. Unknown → StructureError('user'). */
export async function checkPeople(db: Db, ids: number[]): Promise<void> {
  const found = await peopleById(db, ids);
  for (const id of ids) {
    const u = found.get(id);
    if (!u || !u.active || u.external_auth_id === 'bot') throw new StructureError('user', id);
  }
}

async function mustNode(db: Db, id: number): Promise<DepartmentRow> {
  const node = await nodeById(db, id);
  if (!node) throw new StructureError('notFound', id);
  return node;
}

/** A department sits under a department; a team under a department or a team. */
function parentFits(type: string, parent: DepartmentRow): boolean {
  return type === 'TEAM' || parent.type === 'DEPARTMENT';
}

export interface NewNodeInput {
  type: NodeType;
  name: string;
  parentId: number;
  description: string;
  colorName: string | null;
  /** role → user ids */
  userIds: Record<string, number[]>;
  moveUsersToNode: boolean;
  chats: { create: boolean; bind: number[] };
}

/** humanresources.node.add: the node, its members (moved there when asked), its chats. */
export async function addNode(ctx: DomainCtx, actorId: number, n: NewNodeInput): Promise<number> {
  await lockStructure(ctx.db);
  const parent = await nodeById(ctx.db, n.parentId);
  if (!parent) throw new StructureError('notFound', n.parentId);
  if (!parentFits(n.type, parent)) throw new StructureError('parent', n.parentId);
  const all = Object.values(n.userIds).flat();
  await checkPeople(ctx.db, all);
  await checkChats(ctx.db, n.chats.bind);
  const id = await insertNode(ctx.db, { type: n.type, name: n.name, parent_id: n.parentId, description: n.description, color_name: n.type === 'TEAM' ? n.colorName : null, created_at: ctx.clock.now() });
  for (const [role, users] of Object.entries(n.userIds)) {
    if (n.moveUsersToNode && n.type === 'DEPARTMENT') await moveMembers(ctx, id, users, role);
    else for (const u of users) await setMember(ctx, id, u, role);
  }
  await editCommunications(ctx, actorId, id, 'CHAT', { create: n.chats.create, bind: n.chats.bind, unbind: [], withChildren: false });
  return id;
}

/** humanresources.node.edit: name, description, a team's colour. */
export async function editNode(ctx: DomainCtx, id: number, patch: { name?: string; description?: string; colorName?: string }): Promise<void> {
  await lockStructure(ctx.db);
  const node = await mustNode(ctx.db, id);
  await updateNodeRow(ctx.db, id, {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.colorName !== undefined && node.type === 'TEAM' ? { color_name: patch.colorName } : {}),
    updated_at: ctx.clock.now(),
  });
}

/** humanresources.node.move: a new parent, never the node itself or one below it; the top stays on top. */
export async function moveNode(ctx: DomainCtx, id: number, parentId: number): Promise<void> {
  await lockStructure(ctx.db);
  const s = await Structure.load(ctx.db);
  const node = s.node(id);
  if (!node) throw new StructureError('notFound', id);
  const parent = s.node(parentId);
  if (!parent) throw new StructureError('notFound', parentId);
  if (node.parent_id === 0 || s.subtree(id).includes(parentId) || !parentFits(node.type, parent)) throw new StructureError('parent', parentId);
  await updateNodeRow(ctx.db, id, { parent_id: parentId, updated_at: ctx.clock.now() });
}

/** Gives one person one role in a node (joining it if they are not in it yet). */
export async function setMember(ctx: DomainCtx, nodeId: number, userId: number, role: string): Promise<void> {
  await lockStructure(ctx.db);
  const node = await mustNode(ctx.db, nodeId);
  if (node.type === 'TEAM') {
    await setNodeRole(ctx.db, nodeId, userId, role);
    return;
  }
  const s = await Structure.load(ctx.db);
  const depts = s.departmentsOf(userId);
  if (!depts.includes(nodeId)) await setPersonDepartments(ctx.db, userId, [...depts, nodeId]);
  if (role === 'MEMBER_HEAD') {
    await updateNodeRow(ctx.db, nodeId, { head_id: userId });
    await deleteNodeRoles(ctx.db, nodeId, [userId]);
    return;
  }
  if (node.head_id === userId) await updateNodeRow(ctx.db, nodeId, { head_id: 0 });
  if (role === 'MEMBER_DEPUTY_HEAD') await setNodeRole(ctx.db, nodeId, userId, role);
  else await deleteNodeRoles(ctx.db, nodeId, [userId]);
}

/**
 * Takes one person out of a node. A department's person left in no department belongs to the
 * top-level one (as department.delete leaves them); false when they were not in the node, or it
 * is the top-level department and the only one they have.
 */
export async function removeMember(ctx: DomainCtx, nodeId: number, userId: number): Promise<boolean> {
  await lockStructure(ctx.db);
  const s = await Structure.load(ctx.db);
  const node = s.node(nodeId);
  if (!node) throw new StructureError('notFound', nodeId);
  if (!s.members(nodeId).some((m) => m.userId === userId)) return false;
  if (node.type === 'TEAM') {
    await deleteNodeRoles(ctx.db, nodeId, [userId]);
    return true;
  }
  const top = s.top();
  const left = s.departmentsOf(userId).filter((d) => d !== nodeId);
  if (left.length === 0 && (!top || top.id === nodeId)) return false;
  await setPersonDepartments(ctx.db, userId, left.length ? left : [top!.id]);
  if (node.head_id === userId) await updateNodeRow(ctx.db, nodeId, { head_id: 0 });
  await deleteNodeRoles(ctx.db, nodeId, [userId]);
  return true;
}

/** humanresources.node.member.move: people leave the nodes of the target's type they are in and join it with `role`. */
export async function moveMembers(ctx: DomainCtx, nodeId: number, userIds: number[], role: string): Promise<void> {
  await lockStructure(ctx.db);
  const node = await mustNode(ctx.db, nodeId);
  const s = await Structure.load(ctx.db);
  for (const u of userIds) {
    if (node.type === 'TEAM') {
      for (const team of s.teamsOf(u)) if (team !== nodeId) await deleteNodeRoles(ctx.db, team, [u]);
    } else {
      for (const d of s.departmentsOf(u)) {
        if (d === nodeId) continue;
        if (s.node(d)?.head_id === u) await updateNodeRow(ctx.db, d, { head_id: 0 });
        await deleteNodeRoles(ctx.db, d, [u]);
      }
      await setPersonDepartments(ctx.db, u, [nodeId]);
    }
    await setMember(ctx, nodeId, u, role);
  }
}

/** humanresources.node.member.set: exactly these people with these roles; everyone else leaves. */
export async function setMembers(ctx: DomainCtx, nodeId: number, byRole: Record<string, number[]>): Promise<void> {
  await lockStructure(ctx.db);
  await mustNode(ctx.db, nodeId);
  const wanted = new Set(Object.values(byRole).flat());
  const s = await Structure.load(ctx.db);
  for (const m of s.members(nodeId)) if (!wanted.has(m.userId)) await removeMember(ctx, nodeId, m.userId);
  for (const [role, users] of Object.entries(byRole)) for (const u of users) await setMember(ctx, nodeId, u, role);
}

// ---- communications ----

/** Chats a node can be bound to: this portal's group chats (channels and collabs it has none of). */
export async function checkChats(db: Db, ids: number[]): Promise<void> {
  for (const id of ids) if (!isGroupChat(await getChat(db, id))) throw new StructureError('notFound', id);
}

export interface CommunicationEdit {
  create: boolean;
  bind: number[];
  unbind: number[];
  withChildren: boolean;
}

/**
 * humanresources.node.communication.edit: binds and unbinds chats of one kind, and creates the
 * node's default chat (a closed group chat named after the node, its members in it, the caller
 * its owner). With `withChildren` the bindings go to every node below too, marked with the node
 * they came from. CHANNEL and COLLAB: this portal has neither, so there is nothing to create.
 */
export async function editCommunications(ctx: DomainCtx, actorId: number, nodeId: number, type: string, e: CommunicationEdit): Promise<void> {
  await lockStructure(ctx.db);
  const s = await Structure.load(ctx.db);
  const node = s.node(nodeId);
  if (!node) throw new StructureError('notFound', nodeId);
  if (type !== 'CHAT' && e.bind.length) throw new StructureError('notFound', e.bind[0]);
  await checkChats(ctx.db, e.bind);
  const bind = [...e.bind];
  if (e.create && type === 'CHAT') {
    const users = (await peopleById(ctx.db, s.members(nodeId).map((m) => m.userId)));
    const chatId = await createGroupChat(ctx, { type: 'C', title: node.name, authorId: actorId, users: [...users.values()].filter((u) => u.active).map((u) => u.id) });
    bind.push(chatId);
  }
  const targets = e.withChildren ? s.subtree(nodeId) : [nodeId];
  for (const target of targets) {
    await unbindCommunications(ctx.db, target, type, e.unbind);
    for (const chatId of bind) await bindCommunication(ctx.db, { node_id: target, chat_id: chatId, type, original_node_id: target === nodeId ? null : nodeId });
  }
}

export { nodeCommunications };
