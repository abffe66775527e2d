import type { FastifyInstance } from 'fastify';
import { cancelDelivery, cancelPendingDeliveries } from '../events/cancel.js';
import { deliveryLog, resendDelivery, type LogEntry } from '../events/outbox.js';
import { outboxSignal } from '../events/signal.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { MASK, maskForm, maskText, maskUrl } from '../util/secrets.js';
import { jsonBody } from './control/reply.js';
import { isTokenOwned, WEBHOOK_OWNER_PREFIX } from '../bots/v2-subscriptions.js';

/**
 * The delivery log under the control API (registered inside the control gate, control-api.ts):
 * `GET /__control/events?failed=1&event=NAME&limit=N` (newest first) and
 * `POST /__control/events/<id>/resend`, `DELETE /__control/events/<id>` (cancel a pending delivery)
 * and `POST /__control/events/cancel {"pending": true, "handler"?: URL}` (cancel them all, or all
 * to one handler). Event bodies carry access, refresh and application
 * tokens, handler URLs a webhook bot's CLIENT_ID, handlers' answers anything: their secret values
 * are masked unless `reveal=1` is asked for (the token is needed either way).
 */
/** A log entry with the secrets in its URL, body, errors and stored answers masked. */
function masked(e: LogEntry): LogEntry {
  return {
    ...e,
    handler_url: maskUrl(e.handler_url),
    app: isTokenOwned(e.app) ? `${WEBHOOK_OWNER_PREFIX}${MASK}` : e.app, // `custom<CLIENT_ID or botToken>`
    last_error: maskText(e.last_error),
    body: maskForm(e.body),
    tries: e.tries.map((t) => ({ ...t, error: maskText(t.error), response: maskText(t.response) })),
  };
}

export function registerEventRoutes(app: FastifyInstance, core: RestCore): void {
  const send = (reply: any, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));

  app.get('/__control/events', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = Number(q.limit ?? 100);
    const events = await deliveryLog(core.store.db, {
      failed: q.failed === '1' || q.failed === 'true',
      event: q.event || undefined,
      limit: Number.isInteger(limit) && limit > 0 ? limit : 100,
    });
    const reveal = q.reveal === '1' || q.reveal === 'true';
    return send(reply, 200, { events: reveal ? events : events.map(masked) });
  });

  app.post('/__control/events/:id/resend', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || !(await resendDelivery(core.store.db, id, core.clock.now()))) {
      return send(reply, 404, { error: 'EVENT_NOT_FOUND', error_description: 'No delivery with this id' });
    }
    outboxSignal.emit('written');
    const [entry] = await deliveryLog(core.store.db, { id });
    const q = req.query as Record<string, string | undefined>;
    return send(reply, 200, { event: q.reveal === '1' || q.reveal === 'true' ? entry : masked(entry!) });
  });

  app.delete('/__control/events/:id', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const outcome = Number.isInteger(id) && id > 0 ? await cancelDelivery(core.store.db, id) : { cancelled: false as const, status: null };
    if (!outcome.cancelled && outcome.status === null) {
      return send(reply, 404, { error: 'EVENT_NOT_FOUND', error_description: 'No delivery with this id' });
    }
    if (!outcome.cancelled) {
      return send(reply, 409, { error: 'EVENT_NOT_PENDING', error_description: `Delivery ${id} is ${outcome.status}: only a pending delivery can be cancelled`, status: outcome.status });
    }
    const [entry] = await deliveryLog(core.store.db, { id });
    const q = req.query as Record<string, string | undefined>;
    return send(reply, 200, { event: q.reveal === '1' || q.reveal === 'true' ? entry : masked(entry!) });
  });

  app.post('/__control/events/cancel', async (req, reply) => {
    const b = jsonBody(req.body) ?? {};
    if (b.pending !== true || (b.handler !== undefined && (typeof b.handler !== 'string' || b.handler === ''))) {
      return send(reply, 400, { error: 'INVALID_REQUEST', error_description: 'Send {"pending": true} to cancel every pending delivery, with "handler": URL for one handler only' });
    }
    const ids = await cancelPendingDeliveries(core.store.db, { handler: b.handler as string | undefined });
    return send(reply, 200, { cancelled: ids });
  });
}
