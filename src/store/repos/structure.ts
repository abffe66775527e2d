/**
 * Queries on `node_member_roles` (department deputies, team members) and `node_communications`
 * (chats bound to a node) — the parts of the company structure humanresources.* adds to the
 * departments tree (repos/departments.ts) and people's department lists (repos/users.ts).
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { NodeCommunicationsTable, NodeMemberRolesTable } from '../schema.js';

export type NodeRoleRow = Selectable<NodeMemberRolesTable>;
export type NodeCommunicationRow = Selectable<NodeCommunicationsTable>;

export function allNodeRoles(db: Db): Promise<NodeRoleRow[]> {
  return db.selectFrom('node_member_roles').selectAll().orderBy('node_id').orderBy('user_id').execute();
}

/** Gives `userId` `role` in the node (replacing a role held there). */
export async function setNodeRole(db: Db, nodeId: number, userId: number, role: string): Promise<void> {
  await db.deleteFrom('node_member_roles').where('node_id', '=', nodeId).where('user_id', '=', userId).execute();
  await db.insertInto('node_member_roles').values({ node_id: nodeId, user_id: userId, role }).execute();
}

export async function deleteNodeRoles(db: Db, nodeId: number, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.deleteFrom('node_member_roles').where('node_id', '=', nodeId).where('user_id', 'in', userIds).execute();
}

/** Everything of these nodes (they were deleted): roles and bound chats. */
export async function deleteNodeData(db: Db, nodeIds: number[]): Promise<void> {
  if (nodeIds.length === 0) return;
  await db.deleteFrom('node_member_roles').where('node_id', 'in', nodeIds).execute();
  await db.deleteFrom('node_communications').where('node_id', 'in', nodeIds).execute();
}

export function nodeCommunications(db: Db, nodeId: number): Promise<NodeCommunicationRow[]> {
  return db.selectFrom('node_communications').selectAll().where('node_id', '=', nodeId).orderBy('chat_id').execute();
}

export async function bindCommunication(db: Db, row: { node_id: number; chat_id: number; type: string; original_node_id: number | null }): Promise<void> {
  await db.deleteFrom('node_communications').where('node_id', '=', row.node_id).where('chat_id', '=', row.chat_id).execute();
  await db.insertInto('node_communications').values(row).execute();
}

export async function unbindCommunications(db: Db, nodeId: number, type: string, chatIds: number[]): Promise<void> {
  if (chatIds.length === 0) return;
  await db.deleteFrom('node_communications').where('node_id', '=', nodeId).where('type', '=', type).where('chat_id', 'in', chatIds).execute();
}
