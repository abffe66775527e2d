import type { FastifyInstance } from 'fastify';
import { fullName } from '../im/users.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';

/**
 * `GET /__control/bots`: every bot as the console shows it — API version, owner, webhook or
 * fetch mode, handler URLs, commands, and how many v2 fetch-mode events wait in its queue.
 * Token-checked like every /__control URL.
 */
export function registerConsoleRoutes(app: FastifyInstance, core: RestCore): void {
  app.get('/__control/bots', async (_req, reply) => {
    const db = core.store.db;
    const bots = await db
      .selectFrom('bots')
      .innerJoin('users', 'users.id', 'bots.bot_id')
      .select(['bots.bot_id', 'bots.code', 'bots.type', 'bots.app_id', 'bots.api_version', 'bots.event_mode', 'bots.webhook_url', 'bots.hidden', 'users.name', 'users.last_name', 'users.active'])
      .orderBy('bots.bot_id')
      .execute();
    const commands = await db.selectFrom('commands').select(['bot_id', 'command', 'hidden', 'common']).orderBy('id').execute();
    const queues = await db.selectFrom('v2_event_log').select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('owner_id').execute();
    const bindings = await db
      .selectFrom('event_bindings')
      .select(['event_name', 'handler_url', 'application_token'])
      .where((eb) => eb.or([eb('event_name', 'like', 'ONIMBOT%'), eb('event_name', '=', 'ONIMCOMMANDADD')]))
      .execute();
    const out = bots.map((b) => {
      // the owner key is the app's client_id, or "custom" + CLIENT_ID for a webhook's bots
      const token = b.app_id.startsWith('custom') ? b.app_id.slice('custom'.length) : b.app_id;
      return {
        id: b.bot_id,
        name: fullName(b),
        code: b.code,
        type: b.type,
        owner: b.app_id,
        api_version: b.api_version,
        event_mode: b.api_version === 2 ? b.event_mode : 'WEBHOOK',
        webhook_url: b.webhook_url,
        hidden: b.hidden === 'Y',
        handlers: bindings.filter((x) => x.application_token === token).map((x) => ({ event: x.event_name, url: x.handler_url })),
        commands: commands.filter((c) => c.bot_id === b.bot_id).map((c) => ({ command: c.command, hidden: c.hidden === 'Y', common: c.common === 'Y' })),
        queued_events: Number(queues.find((q) => q.owner_id === b.bot_id)?.n ?? 0),
      };
    });
    return reply.header('content-type', 'application/json; charset=utf-8').send(phpJson({ bots: out }));
  });
}
