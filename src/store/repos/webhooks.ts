/**
 * Queries on incoming webhooks (`webhooks`): a user's code and scopes. Codes match exactly.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db.js';
import { preparedRead } from '../prepared.js';
import type { WebhooksTable } from '../schema.js';

export type WebhookRow = Selectable<WebhooksTable>;
export type NewWebhookRow = Insertable<WebhooksTable>;

const byCode = preparedRead<[string], WebhookRow>(1, (db, code) => db.selectFrom('webhooks').selectAll().where('code', '=', code));

/** The webhook with this code (hot: webhook auth; compiled once). */
export function findWebhookByCode(db: Db, code: string): Promise<WebhookRow | undefined> {
  return byCode.first(db, code);
}

/** Inserts a webhook; returns its id. */
export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<number> {
  return (await db.insertInto('webhooks').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export function listWebhooks(db: Db): Promise<WebhookRow[]> {
  return db.selectFrom('webhooks').selectAll().orderBy('id').execute();
}

/** Deletes the webhook with this code or, for a number, this id; whether one went. */
export async function deleteWebhook(db: Db, codeOrId: string): Promise<boolean> {
  let q = db.deleteFrom('webhooks');
  q = /^\d+$/.test(codeOrId) ? q.where((eb) => eb.or([eb('id', '=', Number(codeOrId)), eb('code', '=', codeOrId)])) : q.where('code', '=', codeOrId);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Sets the manual block of a webhook by code; whether such a webhook exists. */
export async function setWebhookBlocked(db: Db, code: string, blocked: boolean): Promise<boolean> {
  const res = await db.updateTable('webhooks').set({ blocked: blocked ? 1 : 0 }).where('code', '=', code).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** A seed's webhook with a fixed code gets these fields. */
export async function updateSeedWebhook(db: Db, id: number, fields: { user_id: number; scope: string; title: string }): Promise<void> {
  await db.updateTable('webhooks').set(fields).where('id', '=', id).execute();
}
