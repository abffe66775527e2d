/** Read-only queries behind the console's bot list (`/__control/bots`, src/server/console-route.ts). */
import type { Db } from '../db.js';

export function botRows(db: Db) {
  return db
    .selectFrom('bots')
    .innerJoin('users', 'users.id', 'bots.bot_id')
    .select(['bots.bot_id', 'bots.code', 'bots.type', 'bots.app_id', 'bots.api_version', 'bots.event_mode', 'bots.webhook_url', 'bots.hidden', 'users.name', 'users.last_name', 'users.active'])
    .orderBy('bots.bot_id')
    .execute();
}

export function commandRows(db: Db) {
  return db.selectFrom('commands').select(['bot_id', 'command', 'hidden', 'common']).orderBy('id').execute();
}

/** Rows waiting in each v2 fetch queue (`imbot.v2.Event.get`), per bot. */
export function queueLengths(db: Db) {
  return db.selectFrom('v2_event_log').select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('owner_id').execute();
}

/** The oldest `limit` rows of one bot's v2 fetch queue (the order `imbot.v2.Event.get` reads them in). */
export function queueRows(db: Db, botId: number, limit: number) {
  return db.selectFrom('v2_event_log').select(['id', 'event_type', 'event_data', 'created_at']).where('owner_id', '=', botId).orderBy('id').limit(limit).execute();
}

/** The handlers bound for bot events (ONIMBOT*, ONIMCOMMANDADD), by application token. */
export function botHandlerRows(db: Db) {
  return db
    .selectFrom('event_bindings')
    .select(['event_name', 'handler_url', 'application_token'])
    .where((eb) => eb.or([eb('event_name', 'like', 'ONIMBOT%'), eb('event_name', '=', 'ONIMCOMMANDADD')]))
    .execute();
}
