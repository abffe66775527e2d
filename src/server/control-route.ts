import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { MovableClock } from '../clock.js';
import type { RestCore } from '../rest/pipeline.js';
import { phpJson } from '../rest/php.js';
import { getUser } from '../im/users.js';
import { insertSession } from '../store/repos/sessions.js';

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
    const user = await getUser(core.store.db, userId);
    if (!user) return send(reply, 400, { error: 'USER_NOT_FOUND', error_description: 'User not found' });
    const session = { id: randomBytes(16).toString('hex'), sessid: randomBytes(16).toString('hex') };
    const now = clock.now();
    await insertSession(core.store.db, { id: session.id, sessid: session.sessid, user_id: userId, created_at: now, expires_at: now + 86_400_000 });
    return send(reply, 200, { PHPSESSID: session.id, sessid: session.sessid });
  });
}
