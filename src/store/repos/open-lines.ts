/**
 * Queries on open lines and their sessions (`open_lines`, `open_line_sessions`). No domain rules
 * here: the open-lines module decides who answers a visitor and when a session ends.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { OpenLineSessionsTable, OpenLinesTable } from '../schema.js';

export type OpenLineRow = Selectable<OpenLinesTable>;
export type OpenLineSessionRow = Selectable<OpenLineSessionsTable>;

export interface NewOpenLine {
  name: string;
  botId: number;
  queue: number[];
  welcomeMessage: string;
  createdAt: number;
}

export async function insertOpenLine(db: Db, l: NewOpenLine): Promise<number> {
  const row = await db
    .insertInto('open_lines')
    .values({ name: l.name, bot_id: l.botId, queue: JSON.stringify(l.queue), welcome_message: l.welcomeMessage, created_at: l.createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function findOpenLine(db: Db, id: number): Promise<OpenLineRow | undefined> {
  return db.selectFrom('open_lines').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listOpenLines(db: Db): Promise<OpenLineRow[]> {
  return db.selectFrom('open_lines').selectAll().orderBy('id').execute();
}

/** The operators of a line, in queue order. */
export function queueOf(line: Pick<OpenLineRow, 'queue'>): number[] {
  const parsed: unknown = JSON.parse(line.queue);
  return Array.isArray(parsed) ? parsed.filter((v): v is number => Number.isInteger(v)) : [];
}

export interface NewOpenLineSession {
  lineId: number;
  chatId: number;
  visitorId: number;
  status: OpenLineSessionRow['status'];
  botId: number;
  operatorId: number;
  startedAt: number;
}

export async function insertSession(db: Db, s: NewOpenLineSession): Promise<number> {
  const row = await db
    .insertInto('open_line_sessions')
    .values({ line_id: s.lineId, chat_id: s.chatId, visitor_id: s.visitorId, status: s.status, bot_id: s.botId, operator_id: s.operatorId, started_at: s.startedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The newest session held in a chat, open or not. */
export function latestSessionOfChat(db: Db, chatId: number): Promise<OpenLineSessionRow | undefined> {
  return db.selectFrom('open_line_sessions').selectAll().where('chat_id', '=', chatId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The visitor's newest session on a line (its chat is reused for the next session). */
export function latestSessionOfVisitor(db: Db, lineId: number, visitorId: number): Promise<OpenLineSessionRow | undefined> {
  return db
    .selectFrom('open_line_sessions')
    .selectAll()
    .where('line_id', '=', lineId)
    .where('visitor_id', '=', visitorId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function sessionsOfLine(db: Db, lineId: number): Promise<OpenLineSessionRow[]> {
  return db.selectFrom('open_line_sessions').selectAll().where('line_id', '=', lineId).orderBy('id').execute();
}

export async function updateSession(
  db: Db,
  id: number,
  change: Partial<Pick<OpenLineSessionRow, 'status' | 'bot_id' | 'operator_id' | 'closed_at'>>,
): Promise<void> {
  await db.updateTable('open_line_sessions').set(change).where('id', '=', id).execute();
}
