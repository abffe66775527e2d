/** Queries on `chat_apps` for the messenger's app panel (`/__web/apps`). */
import type { Db } from '../db.js';

/** Every chat app not registered hidden, with the bot it belongs to, oldest first. */
export function visibleChatApps(db: Db) {
  return db
    .selectFrom('chat_apps')
    .innerJoin('bots', 'bots.bot_id', 'chat_apps.bot_id')
    .select(['chat_apps.id', 'chat_apps.bot_id', 'bots.code as bot_code', 'chat_apps.code', 'chat_apps.hash', 'chat_apps.context', 'chat_apps.js', 'chat_apps.iframe', 'chat_apps.iframe_width', 'chat_apps.iframe_height', 'chat_apps.iframe_popup'])
    .where('chat_apps.hidden', '=', 'N')
    .orderBy('chat_apps.id')
    .execute();
}

export function chatAppLangRows(db: Db, appIds: number[]) {
  if (appIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('chat_app_langs').select(['chat_app_id', 'language_id', 'title', 'description']).where('chat_app_id', 'in', appIds).execute();
}
