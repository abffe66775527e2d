/**
 * Queries on the legacy chat applications of bots: `chat_apps` and their `chat_app_langs`.
 * A bot has one app per CODE (unique bot_id, code; exact match).
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../db.js';
import type { ChatAppLangsTable, ChatAppsTable } from '../schema.js';

export type ChatAppRow = Selectable<ChatAppsTable>;
export type NewChatAppRow = Insertable<ChatAppsTable>;
export type ChatAppPatch = Updateable<Omit<ChatAppsTable, 'id'>>;
export type ChatAppLangRow = Omit<Selectable<ChatAppLangsTable>, 'chat_app_id'>;

export function findChatApp(db: Db, id: number): Promise<ChatAppRow | undefined> {
  return db.selectFrom('chat_apps').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The id of a bot's app with this CODE. */
export async function findChatAppId(db: Db, botId: number, code: string): Promise<number | undefined> {
  return (await db.selectFrom('chat_apps').select('id').where('bot_id', '=', botId).where('code', '=', code).executeTakeFirst())?.id;
}

/** Inserts the app unless the bot has that CODE already: the new id, or undefined (one row under concurrent inserts). */
export async function insertChatAppOnce(db: Db, row: NewChatAppRow): Promise<number | undefined> {
  const inserted = await db
    .insertInto('chat_apps')
    .values(row)
    .onConflict((oc) => oc.columns(['bot_id', 'code']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id;
}

export async function updateChatAppRow(db: Db, id: number, patch: ChatAppPatch): Promise<void> {
  if (Object.keys(patch).length) await db.updateTable('chat_apps').set(patch).where('id', '=', id).execute();
}

/** Moves a bot's apps to another owner key. */
export async function setBotChatAppsOwner(db: Db, botId: number, ownerKey: string): Promise<void> {
  await db.updateTable('chat_apps').set({ app_id: ownerKey }).where('bot_id', '=', botId).execute();
}

/** A chat app's language rows in language order. */
export function listChatAppLangs(db: Db, id: number): Promise<ChatAppLangRow[]> {
  return db.selectFrom('chat_app_langs').select(['language_id', 'title', 'description', 'copyright']).where('chat_app_id', '=', id).orderBy('language_id').execute();
}

/** Replaces every language row of an app. */
export async function replaceChatAppLangs(db: Db, id: number, langs: ChatAppLangRow[]): Promise<void> {
  await db.deleteFrom('chat_app_langs').where('chat_app_id', '=', id).execute();
  if (langs.length === 0) return;
  await db
    .insertInto('chat_app_langs')
    .values(langs.map((l) => ({ chat_app_id: id, language_id: l.language_id, title: l.title, description: l.description, copyright: l.copyright })))
    .execute();
}

/** Deletes an app with its language rows. */
export async function deleteChatApp(db: Db, id: number): Promise<void> {
  await db.deleteFrom('chat_app_langs').where('chat_app_id', '=', id).execute();
  await db.deleteFrom('chat_apps').where('id', '=', id).execute();
}

/** Deletes every app of a bot with their language rows. */
export async function deleteBotChatApps(db: Db, botId: number): Promise<void> {
  const ids = (await db.selectFrom('chat_apps').select('id').where('bot_id', '=', botId).execute()).map((r) => r.id);
  if (ids.length === 0) return;
  await db.deleteFrom('chat_app_langs').where('chat_app_id', 'in', ids).execute();
  await db.deleteFrom('chat_apps').where('id', 'in', ids).execute();
}

// ---- the messenger's app panel (`/__web/apps`) ----

function panelApps(db: Db) {
  return db
    .selectFrom('chat_apps')
    .innerJoin('bots', 'bots.bot_id', 'chat_apps.bot_id')
    .select(['chat_apps.id', 'chat_apps.bot_id', 'bots.code as bot_code', 'chat_apps.code', 'chat_apps.hash', 'chat_apps.context', 'chat_apps.js', 'chat_apps.iframe', 'chat_apps.iframe_width', 'chat_apps.iframe_height', 'chat_apps.iframe_popup']);
}

/** Every chat app not registered hidden, with the bot it belongs to, oldest first. */
export function visibleChatApps(db: Db) {
  return panelApps(db).where('chat_apps.hidden', '=', 'N').orderBy('chat_apps.id').execute();
}

/** One chat app with its bot, hidden or not (a keyboard button may open a hidden one). */
export function chatAppWithBot(db: Db, id: number) {
  return panelApps(db).where('chat_apps.id', '=', id).executeTakeFirst();
}

export function chatAppLangRows(db: Db, appIds: number[]) {
  if (appIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('chat_app_langs').select(['chat_app_id', 'language_id', 'title', 'description']).where('chat_app_id', 'in', appIds).execute();
}
