import type { FastifyInstance } from 'fastify';
import { createSession } from '../auth/sessions.js';
import type { MovableClock } from '../clock.js';
import { FAULT_KINDS } from '../rest/faults.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';

/**
 * The emulator's own control surface, never mixed into /rest/: scripted faults, the movable
 * clock, browser sessions. Registered inside the control gate (control-api.ts), which checks the
 * client and the token from `<data>/control-token` before any of these handlers runs.
 */
export function registerControlRoutes(app: FastifyInstance, core: RestCore, clock: MovableClock): void {
  const send = (reply: any, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));
  const json = (raw: unknown): Record<string, any> => {
    if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
    try {
      const v = JSON.parse(raw.toString('utf8'));
      return v && typeof v === 'object' ? v : {};
    } catch {
      return {};
    }
  };

  app.get('/__control/faults', async (_req, reply) => send(reply, 200, { faults: core.faults.list() }));
  app.delete('/__control/faults', async (_req, reply) => {
    core.faults.clear();
    return send(reply, 200, { faults: [] });
  });
  app.post('/__control/faults', async (req, reply) => {
    const b = json(req.body);
    const times = Number(b.times ?? 1);
    // `after` only means something for store_failure (an internal_error crashes before any write).
    const after = b.after ?? 0;
    const validAfter = Number.isInteger(after) && after >= 0 && (after === 0 || b.kind === 'store_failure');
    if (typeof b.method !== 'string' || !core.registry.get(b.method) || !FAULT_KINDS.includes(b.kind) || !(times >= 1) || !validAfter) {
      return send(reply, 400, {
        error: 'INVALID_FAULT',
        error_description: `Expected {"method": "<existing method>", "kind": "${FAULT_KINDS.join('" | "')}", "times": N>=1, "after": N>=0 (store_failure only)}`,
      });
    }
    core.faults.arm({ method: b.method, kind: b.kind, remaining: Math.floor(times), after });
    return send(reply, 200, { faults: core.faults.list() });
  });

  app.get('/__control/clock', async (_req, reply) => send(reply, 200, { now: clock.now() }));
  app.post('/__control/clock', async (req, reply) => {
    const b = json(req.body);
    if (typeof b.advance_ms === 'number') clock.advance(b.advance_ms);
    if (typeof b.set_ms === 'number') clock.set(b.set_ms);
    if (b.freeze === true) clock.freeze();
    if (b.freeze === false) clock.unfreeze();
    return send(reply, 200, { now: clock.now() });
  });

  app.post('/__control/sessions', async (req, reply) => {
    const b = json(req.body);
    const userId = Number(b.user_id);
    const user = await core.store.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) return send(reply, 400, { error: 'USER_NOT_FOUND', error_description: 'User not found' });
    const session = await createSession(core.store.db, clock, userId);
    return send(reply, 200, { PHPSESSID: session.id, sessid: session.sessid });
  });
}
