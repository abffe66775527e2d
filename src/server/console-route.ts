import type { FastifyInstance } from 'fastify';
import { fullName } from '../im/users.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { botRows } from '../store/repos/bots.js';
import { commandRows } from '../store/repos/commands.js';
import { botHandlerRows } from '../store/repos/event-bindings.js';
import { queueLengths, queueRows } from '../store/repos/v2-event-log.js';

/**
 * `GET /__control/bots`: every bot as the console shows it — API version, owner, webhook or
 * fetch mode, handler URLs, commands, and how many v2 fetch-mode events wait in its queue.
 * `GET /__control/bots/<id>/queue?limit=N` (1–1000, default 100): the events waiting in that
 * bot's queue, oldest first, as `imbot.v2.Event.get` would hand them out (the console's view;
 * reading it acknowledges nothing). Registered inside the control gate (control-api.ts).
 */
export function registerConsoleRoutes(app: FastifyInstance, core: RestCore): void {
  app.get('/__control/bots', async (_req, reply) => {
    const db = core.store.db;
    const [bots, commands, queues, bindings] = await Promise.all([botRows(db), commandRows(db), queueLengths(db), botHandlerRows(db)]);
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

  app.get('/__control/bots/:id/queue', async (req, reply) => {
    const send = (status: number, body: unknown) => reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));
    const id = Number((req.params as { id: string }).id);
    const rawLimit = (req.query as Record<string, string | undefined>).limit;
    const limit = rawLimit === undefined || rawLimit === '' ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return send(400, { error: 'INVALID_REQUEST', error_description: 'limit must be an integer from 1 to 1000' });
    const bot = Number.isInteger(id) ? (await botRows(core.store.db)).find((b) => b.bot_id === id) : undefined;
    if (!bot) return send(404, { error: 'BOT_NOT_FOUND', error_description: 'No bot with this id' });
    const rows = await queueRows(core.store.db, id, limit);
    const events = rows.map((r) => ({ event_id: r.id, type: r.event_type, created_at: r.created_at, data: JSON.parse(r.event_data) as unknown }));
    return send(200, { bot_id: id, event_mode: bot.api_version === 2 ? bot.event_mode : 'WEBHOOK', events });
  });
}
