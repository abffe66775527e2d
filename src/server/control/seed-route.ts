import type { FastifyInstance } from 'fastify';
import type { CallGate } from '../../rest/quiesce.js';
import type { RestCore } from '../../rest/pipeline.js';
import { applySeed } from '../../harness/seed/apply.js';
import { exportSeed } from '../../harness/seed/export.js';
import { SeedError, validateSeed } from '../../harness/seed/load.js';
import { jsonBody, sendError, sendJson } from './reply.js';

/**
 * `POST /__control/seed` applies a seed (the JSON form of the seed file) between calls and
 * answers what it created; `GET /__control/seed` answers the portal in that format (`export`).
 */
export function registerSeedRoutes(app: FastifyInstance, core: RestCore, gate: CallGate): void {
  app.get('/__control/seed', async (_req, reply) => sendJson(reply, 200, await exportSeed(core.store.db)));
  app.post('/__control/seed', async (req, reply) => {
    const body = jsonBody(req.body);
    if (!body) return sendError(reply, 400, 'INVALID_SEED', 'The body is not a JSON object');
    try {
      const seed = validateSeed(body, 'the body');
      return sendJson(reply, 200, { created: await gate.exclusive(() => applySeed(core, seed)) });
    } catch (err) {
      if (err instanceof SeedError) return sendError(reply, 400, 'INVALID_SEED', err.message);
      throw err;
    }
  });
}
