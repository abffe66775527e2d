import type { FastifyInstance } from 'fastify';
import { parseOperatingLimit, parseRate, type Limits } from '../limits/index.js';
import { phpJson } from '../rest/php.js';

/**
 * The limits under the control API (registered inside the control gate, control-api.ts). `GET` shows the settings; `POST` changes any of them and/or resets the counters:
 * `{"rate": "standard"|"enterprise"|"off"|{"burst","drain"}, "operating_limit": SECONDS|"off",
 *   "costs": {"method": SECONDS|null}, "reset": true}`; `DELETE` resets the counters.
 */
export function registerLimitsRoutes(app: FastifyInstance, limits: Limits): void {
  const send = (reply: any, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));
  const invalid = (reply: any, what: string) => send(reply, 400, { error: 'INVALID_LIMITS', error_description: what });

  app.get('/__control/limits', async (_req, reply) => send(reply, 200, limits.describe()));

  app.delete('/__control/limits', async (_req, reply) => {
    await limits.backend.reset();
    return send(reply, 200, limits.describe());
  });

  app.post('/__control/limits', async (req, reply) => {
    let b: Record<string, any>;
    try {
      b = JSON.parse(Buffer.isBuffer(req.body) && req.body.length ? req.body.toString('utf8') : '{}');
    } catch {
      return invalid(reply, 'Expected a JSON object');
    }
    if (!b || typeof b !== 'object') return invalid(reply, 'Expected a JSON object');
    const rate = b.rate === undefined ? undefined : parseRate(b.rate);
    if (b.rate !== undefined && rate === undefined) return invalid(reply, 'rate is "standard", "enterprise", "off" or {"burst": N, "drain": N}');
    const operating = b.operating_limit === undefined ? undefined : parseOperatingLimit(b.operating_limit);
    if (b.operating_limit !== undefined && operating === undefined) return invalid(reply, 'operating_limit is a number of seconds or "off"');
    const costs = Object.entries(b.costs ?? {});
    if (typeof (b.costs ?? {}) !== 'object' || costs.some(([, v]) => v !== null && !(typeof v === 'number' && v >= 0))) {
      return invalid(reply, 'costs maps method names to seconds (or null to measure again)');
    }
    if (rate !== undefined) limits.rate = rate;
    if (operating !== undefined) limits.operatingLimit = operating;
    for (const [method, seconds] of costs) {
      if (seconds === null) limits.costs.delete(method.toLowerCase());
      else limits.costs.set(method.toLowerCase(), seconds as number);
    }
    if (rate !== undefined || operating !== undefined || costs.length > 0) limits.changed();
    if (b.reset === true) await limits.backend.reset();
    return send(reply, 200, limits.describe());
  });
}
