import type { FastifyInstance } from 'fastify';
import { deliveryLog, resendDelivery } from '../events/outbox.js';
import { outboxSignal } from '../events/signal.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';

/**
 * The delivery log under the control API (token-checked by control-route.ts's hook for every
 * /__control URL): `GET /__control/events?failed=1&event=NAME&limit=N` (newest first) and
 * `POST /__control/events/<id>/resend`.
 */
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
    return send(reply, 200, { events });
  });

  app.post('/__control/events/:id/resend', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || !(await resendDelivery(core.store.db, id, core.clock.now()))) {
      return send(reply, 404, { error: 'EVENT_NOT_FOUND', error_description: 'No delivery with this id' });
    }
    outboxSignal.emit('written');
    const [entry] = await deliveryLog(core.store.db, { id });
    return send(reply, 200, { event: entry });
  });
}
