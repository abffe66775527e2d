/**
 * Queries on `bots`: one row per bot (its user lives in `users`, same id). Owner keys are the
 * OAuth client id or `"custom"` + the webhook's CLIENT_ID / botToken; no domain rules here.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
import type { BotsTable } from '../schema.js';

export type BotRow = Selectable<BotsTable>;
export type NewBotRow = Insertable<BotsTable>;
export type BotPatch = Updateable<Omit<BotsTable, 'bot_id'>>;

const byId = preparedRead<[number], BotRow>(1, (db, botId) => db.selectFrom('bots').selectAll().where('bot_id', '=', botId));
const restByCode = preparedRead<[string], BotRow>(1, (db, code) =>
  db.selectFrom('bots').selectAll().where('module_id', '=', 'rest').where('code', '=', code),
);

/** The bot with this id (hot: compiled once). */
export function findBot(db: Db, botId: number): Promise<BotRow | undefined> {
  return byId.first(db, botId);
}

/** The REST bot with this CODE, whichever owner has it (codes are unique per portal; exact match). */
export function findRestBotByCode(db: Db, code: string): Promise<BotRow | undefined> {
  return restByCode.first(db, code);
}

/** How many bots an owner key has. */
export async function countBotsOf(db: Db, ownerKey: string): Promise<number> {
  const row = await db.selectFrom('bots').select((eb) => eb.fn.countAll<number>().as('n')).where('app_id', '=', ownerKey).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** An owner's bot with the lowest id. */
export function findFirstBotOf(db: Db, ownerKey: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('app_id', '=', ownerKey).orderBy('bot_id').limit(1).executeTakeFirst();
}

/** An owner's bot ids in id order. */
export async function listBotIdsOf(db: Db, ownerKey: string): Promise<number[]> {
  return (await db.selectFrom('bots').select('bot_id').where('app_id', '=', ownerKey).orderBy('bot_id').execute()).map((r) => r.bot_id);
}

/** Whether the owner key has a bot other than `botId` (`botId` omitted: any bot). */
export async function ownerHasBot(db: Db, ownerKey: string, exceptBotId?: number): Promise<boolean> {
  let q = db.selectFrom('bots').select('bot_id').where('app_id', '=', ownerKey);
  if (exceptBotId !== undefined) q = q.where('bot_id', '!=', exceptBotId);
  return !!(await q.limit(1).executeTakeFirst());
}

/** An owner's bots in id order, optionally of some type letters, one page. */
export function listBotsOf(db: Db, ownerKey: string, page: { types?: string[]; limit: number; offset: number }): Promise<BotRow[]> {
  let q = db.selectFrom('bots').selectAll().where('app_id', '=', ownerKey);
  if (page.types) q = q.where('type', 'in', page.types);
  return q.orderBy('bot_id').limit(page.limit).offset(page.offset).execute();
}

/**
 * Inserts a REST bot unless its CODE is taken (unique `bots_code` on module and code): returns the
 * new id, or undefined when another row has the CODE (on PostgreSQL after that row's writer
 * committed). Atomic under concurrent registrations.
 */
export async function insertBotOnce(db: Db, row: NewBotRow): Promise<number | undefined> {
  const inserted = await db
    .insertInto('bots')
    .values(row)
    .onConflict((oc) => oc.columns(['module_id', 'code']).doNothing())
    .returning('bot_id')
    .executeTakeFirst();
  return inserted?.bot_id;
}

export async function updateBotRow(db: Db, botId: number, patch: BotPatch): Promise<void> {
  if (Object.keys(patch).length) await db.updateTable('bots').set(patch).where('bot_id', '=', botId).execute();
}

export async function deleteBotRow(db: Db, botId: number): Promise<void> {
  await db.deleteFrom('bots').where('bot_id', '=', botId).execute();
}

/** Every bot except network ones, in id order, with its user's names. */
export function listBotsWithNames(db: Db): Promise<{ bot_id: number; code: string; openline: string; name: string; last_name: string }[]> {
  return db
    .selectFrom('bots')
    .innerJoin('users', 'users.id', 'bots.bot_id')
    .select(['bots.bot_id', 'bots.code', 'bots.openline', 'users.name', 'users.last_name'])
    .where('bots.type', '!=', 'N')
    .orderBy('bots.bot_id')
    .execute();
}

/** The bot users among `ids`, ascending (im.v2 context: which users are bots). */
export async function listBotIdsAmong(db: Db, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('bots').select('bot_id').where('bot_id', 'in', ids).orderBy('bot_id').execute();
  return rows.map((r) => r.bot_id);
}

/** The console's bot list (`/__control/bots`): each bot with its user's name and state. */
export function botRows(db: Db) {
  return db
    .selectFrom('bots')
    .innerJoin('users', 'users.id', 'bots.bot_id')
    .select(['bots.bot_id', 'bots.code', 'bots.type', 'bots.app_id', 'bots.api_version', 'bots.event_mode', 'bots.webhook_url', 'bots.hidden', 'users.name', 'users.last_name', 'users.active'])
    .orderBy('bots.bot_id')
    .execute();
}
