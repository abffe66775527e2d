import type { FastifyInstance, FastifyReply } from 'fastify';
import { SnapshotError, type PortalStateControl } from '../../harness/portal-state.js';
import { jsonBody, sendError, sendJson } from './reply.js';

const STATUS: Record<SnapshotError['code'], number> = { INVALID_SNAPSHOT_NAME: 400, SNAPSHOT_NOT_FOUND: 404, SNAPSHOT_INCOMPATIBLE: 409 };

async function answer(reply: FastifyReply, fn: () => Promise<unknown>): Promise<FastifyReply> {
  try {
    return sendJson(reply, 200, await fn());
  } catch (err) {
    if (err instanceof SnapshotError) return sendError(reply, STATUS[err.code], err.code, err.message);
    throw err;
  }
}

/**
 * `POST /__control/reset`, `GET|POST /__control/snapshots`, `POST /__control/snapshots/{name}/restore`,
 * `DELETE /__control/snapshots/{name}` (see harness/portal-state.ts for what they keep and drop).
 */
export function registerSnapshotRoutes(app: FastifyInstance, state: PortalStateControl, adminWebhookUrl: () => string): void {
  app.post('/__control/reset', async (_req, reply) =>
    answer(reply, async () => {
      await state.reset();
      return { reset: true, admin_webhook: adminWebhookUrl() };
    }),
  );
  app.get('/__control/snapshots', async (_req, reply) => answer(reply, async () => ({ snapshots: await state.list() })));
  app.post('/__control/snapshots', async (req, reply) => {
    const b = jsonBody(req.body);
    if (!b || typeof b.name !== 'string') return sendError(reply, 400, 'INVALID_SNAPSHOT_NAME', 'Expected {"name": "<snapshot name>"}');
    return answer(reply, async () => ({ snapshot: await state.save(b.name as string) }));
  });
  app.post('/__control/snapshots/:name/restore', async (req, reply) =>
    answer(reply, async () => ({ snapshot: await state.restore((req.params as { name: string }).name) })),
  );
  app.delete('/__control/snapshots/:name', async (req, reply) =>
    answer(reply, async () => {
      await state.remove((req.params as { name: string }).name);
      return { snapshots: await state.list() };
    }),
  );
}
